#include <fstream>
#include <iostream>
int main() {  // every number to EOF into a file in /tmp, then read back from it
    {
        std::ofstream out("/tmp/numbers.txt");
        for (long long x; std::cin >> x;) out << x << '\n';
    }
    std::ifstream in("/tmp/numbers.txt");
    long long n = 0, sum = 0;
    for (long long x; in >> x;) { n++; sum += x; }
    std::cout << n << ' ' << sum << '\n';
}
