#include <string>
std::string greet(const std::string& n);
