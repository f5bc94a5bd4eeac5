#include <iostream>
int main() {
    long long n, x, sum = 0;
    std::cin >> n;
    while (n-- > 0 && std::cin >> x) sum += x;
    std::cout << sum << '\n';
}
