// Timing trick in C++: four std::threads spin, so CPU time runs at up to two cores' speed
// (this machine has 2) while the wall clock looks harmless. The judge counts every thread's
// CPU time (the cgroup) and kills at the CPU limit, well before the wall limit.
#include <atomic>
#include <thread>
#include <vector>

std::atomic<unsigned long> sink;

int main() {
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
        ts.emplace_back([] { for (;;) sink++; });
    for (auto &t : ts)
        t.join();
}
