#include <concepts>
template <std::integral T> T twice(T x) { return 2 * x; }
int main() { return twice(1.5) > 0; }  // a double is not std::integral
