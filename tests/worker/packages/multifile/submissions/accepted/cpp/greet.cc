#include "greet.h"
std::string greet(const std::string& n) { return "Hello " + n; }
