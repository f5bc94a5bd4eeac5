// Compile-time attack: the preprocessor reads an endless device. (The C variants, /dev/random
// and /etc/shadow, are tests/worker/test_compile.py's; this is C++'s /dev/urandom and
// /dev/zero, which never block and never end.)
#include "/dev/urandom"
#include "/dev/zero"
int main() { return 0; }
