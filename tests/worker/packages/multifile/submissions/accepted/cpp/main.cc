#include <iostream>
#include "greet.h"
int main() { std::string n; std::cin >> n; std::cout << greet(n) << "\n"; }
