void main() {
    ulong n = 0;
    while (true) {
        n = n * 3 + 1;
        asm { nop; }  // keeps the loop from being optimised away
    }
}
