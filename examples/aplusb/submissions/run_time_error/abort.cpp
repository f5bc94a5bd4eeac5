#include <cstdlib>
#include <iostream>
int main() {
    long long a, b;
    std::cin >> a >> b;
    if (a == 0) std::abort();  // the first secret test
    std::cout << a + b << '\n';
}
