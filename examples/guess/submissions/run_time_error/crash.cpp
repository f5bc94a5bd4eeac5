#include <cstdlib>
#include <iostream>
int main() {
    std::cout << "guess 500" << std::endl;
    std::string reply;
    std::cin >> reply;
    std::abort();
}
