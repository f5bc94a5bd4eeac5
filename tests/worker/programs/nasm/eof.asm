; every number to EOF into /tmp/numbers.txt (one a line), then read back: count and sum
section .data
path:   db "/tmp/numbers.txt", 0
section .bss
buf:    resb 65536
out:    resb 32
section .text
global _start
_start:
        xor r12, r12            ; bytes read so far
.read:  xor eax, eax            ; read(0, buf + r12, 65536 - r12) until 0
        xor edi, edi
        lea rsi, [rel buf]
        add rsi, r12
        mov edx, 65536
        sub rdx, r12
        syscall
        test rax, rax
        jle .got
        add r12, rax
        jmp .read
.got:   mov eax, 2              ; open(path, O_WRONLY|O_CREAT|O_TRUNC, 0644)
        lea rdi, [rel path]
        mov esi, 577
        mov edx, 420
        syscall
        test rax, rax
        js fail
        mov r13, rax            ; the file
        lea r14, [rel buf]      ; cursor
        lea r15, [rel buf]
        add r15, r12            ; end
.next:  mov rsi, r14
        mov rcx, r15
        call number
        mov r14, rsi
        test rdx, rdx           ; no number left
        jz .close
        mov rdi, r13
        call print
        jmp .next
.close: mov eax, 3
        mov rdi, r13
        syscall
        mov eax, 2              ; open(path, O_RDONLY)
        lea rdi, [rel path]
        xor esi, esi
        syscall
        test rax, rax
        js fail
        mov rdi, rax
        xor eax, eax            ; read it back (it is small)
        lea rsi, [rel buf]
        mov edx, 65536
        syscall
        test rax, rax
        js fail
        lea r14, [rel buf]
        lea r15, [rel buf]
        add r15, rax
        xor r12, r12            ; count
        xor r13, r13            ; sum
.sum:   mov rsi, r14
        mov rcx, r15
        call number
        mov r14, rsi
        test rdx, rdx
        jz .done
        inc r12
        add r13, rax
        jmp .sum
.done:  mov rax, r12            ; "count sum\n" on stdout
        mov edi, 1
        mov bl, ' '
        call printc
        mov rax, r13
        mov edi, 1
        call print
        mov eax, 60
        xor edi, edi
        syscall
fail:   mov eax, 60
        mov edi, 2
        syscall

; number: skip non-digits from rsi (up to rcx), parse digits; rax = value, rdx = 1 if found
number:
        xor eax, eax
        xor edx, edx
.skip:  cmp rsi, rcx
        jae .done
        movzx r8d, byte [rsi]
        sub r8d, '0'
        cmp r8d, 9
        jbe .digit
        inc rsi
        jmp .skip
.digit: cmp rsi, rcx
        jae .done
        movzx r8d, byte [rsi]
        sub r8d, '0'
        cmp r8d, 9
        ja .done
        mov edx, 1
        imul rax, rax, 10
        add rax, r8
        inc rsi
        jmp .digit
.done:  ret

; print: write rax in decimal and a newline to fd rdi; printc: ... followed by bl instead
print:
        mov bl, 10
printc:
        push rdi
        lea rdi, [rel out + 31]
        mov [rdi], bl
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
        pop rdi
        mov eax, 1
        syscall
        ret
