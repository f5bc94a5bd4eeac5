; map 1 GiB and touch every page
section .text
global _start
_start:
        mov eax, 9              ; mmap(0, 1 GiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)
        xor edi, edi
        mov esi, 1 << 30
        mov edx, 3
        mov r10d, 0x22
        mov r8, -1
        xor r9d, r9d
        syscall
        cmp rax, -4096
        ja fail
        mov rcx, 1 << 30
        add rcx, rax
touch:  mov byte [rax], 1
        add rax, 4096
        cmp rax, rcx
        jb touch
        mov eax, 60
        xor edi, edi
        syscall
fail:   mov eax, 60
        mov edi, 3
        syscall
