; A+B: read stdin, parse two (64-bit, non-negative) numbers, print their sum
section .bss
buf:    resb 4096
out:    resb 32
section .text
global _start
_start:
        xor eax, eax            ; read(0, buf, 4096)
        xor edi, edi
        lea rsi, [rel buf]
        mov edx, 4096
        syscall
        lea rsi, [rel buf]
        lea rcx, [rsi + rax]    ; end of input
        call number
        mov rbx, rax
        call number
        add rax, rbx
        call print
        mov eax, 60             ; exit(0)
        xor edi, edi
        syscall

; number: skip non-digits from rsi (up to rcx), parse digits; rax = value, rsi past it
number:
        xor eax, eax
.skip:  cmp rsi, rcx
        jae .done
        movzx edx, byte [rsi]
        sub edx, '0'
        cmp edx, 9
        jbe .digit
        inc rsi
        jmp .skip
.digit: cmp rsi, rcx
        jae .done
        movzx edx, byte [rsi]
        sub edx, '0'
        cmp edx, 9
        ja .done
        imul rax, rax, 10
        add rax, rdx
        inc rsi
        jmp .digit
.done:  ret

; print: write rax in decimal and a newline
print:
        lea rdi, [rel out + 31]
        mov byte [rdi], 10
        mov r8, 10
.loop:  xor edx, edx
        div r8
        add dl, '0'
        dec rdi
        mov [rdi], dl
        test rax, rax
        jnz .loop
        lea rdx, [rel out + 32]
        sub rdx, rdi
        mov rsi, rdi
        mov eax, 1
        mov edi, 1
        syscall
        ret
