; a write through a null pointer: SIGSEGV
section .text
global _start
_start:
        xor eax, eax
        mov qword [rax], 1
        mov eax, 60
        xor edi, edi
        syscall
