#include <iostream>
#include <string>
int main() {
    int low = 1, high = 1000;
    std::string reply;
    while (true) {
        int middle = (low + high) / 2;
        std::cout << "guess " << middle << std::endl;  // endl flushes
        if (!(std::cin >> reply) || reply == "correct") break;
        if (reply == "lower") high = middle - 1; else low = middle + 1;
    }
}
