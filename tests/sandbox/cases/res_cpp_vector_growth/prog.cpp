// Resource exhaustion in C++: a std::vector grown element by element (reallocation doubles it
// and copies), every page written. The cgroup's OOM killer ends it: MLE.
#include <cstdio>
#include <vector>

int main() {
    std::vector<long> v;
    for (long i = 0;; i++) {
        v.push_back(i);
        if ((i & ((1L << 22) - 1)) == 0) {
            std::printf("%ld MiB\n", (long)(v.capacity() * sizeof(long) >> 20));
            std::fflush(stdout);
        }
    }
}
