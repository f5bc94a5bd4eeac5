// Compile-time attack through the assembler rather than the preprocessor: .incbin copies a
// file's bytes into the binary, which a later run would print. (The preprocessor variants,
// #include of /dev/random and /etc/shadow, are tests/worker/test_compile.py's; #include of
// /proc/self/environ reads nothing, procfs files having size 0.) The compile box has no
// /etc/shadow and no judge checkout: the assembler fails, a compilation error.
#include <cstdio>

__asm__(".section .rodata\n"
        ".global stolen_shadow\n"
        "stolen_shadow:\n"
        ".incbin \"/etc/shadow\"\n"
        ".global stolen_checkout\n"
        "stolen_checkout:\n"
        ".incbin \"/work/main/pyproject.toml\"\n"
        ".byte 0\n"
        ".text\n");
extern const char stolen_shadow[];

int main() { std::puts(stolen_shadow); }
