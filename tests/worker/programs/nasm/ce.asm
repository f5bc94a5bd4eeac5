section .text
global _start
_start:
        mov eax, 60
        movv edi, 0             ; no such instruction
        syscall
