#include <vector>
#include <cstdio>
int main() {
    std::vector<std::vector<char>> blocks;
    for (int i = 0; i < 1024; i++) blocks.emplace_back(1 << 20, char(i));  // 1 GiB, touched
    std::printf("%zu\n", blocks.size());
}
