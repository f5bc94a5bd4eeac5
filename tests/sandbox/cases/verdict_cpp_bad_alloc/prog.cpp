// Verdict subtlety: a C++ program asks operator new for far more than any limit (a size read
// from a bad computation); the kernel refuses the mapping outright, std::bad_alloc is thrown
// and not caught: terminate, abort. The run failed for want of memory.
#include <cstdio>
#include <cstdlib>

int main() {
    volatile unsigned long long n = 1ULL << 45;  // 32 TiB
    char *p = new char[n];
    p[0] = 1;
    std::printf("allocated %p\n", (void *)p);
    return 0;
}
