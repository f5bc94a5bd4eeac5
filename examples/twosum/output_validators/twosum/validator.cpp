// Kattis interface: validator input answer feedback_dir < team_output; 42 AC, 43 WA.
#include <iostream>
#include <string>
#include "validate.h"

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    init_feedback(argv[3]);
    FILE *input = std::fopen(argv[1], "r");
    long long n;
    if (!input || std::fscanf(input, "%lld", &n) != 1) return 1;  // judge error
    long long a, b;
    if (!(std::cin >> a >> b)) wrong_answer("expected two integers");
    if (a < 1 || b < 1) wrong_answer("%lld and %lld are not both positive", a, b);
    if (a + b != n) wrong_answer("%lld + %lld = %lld, not %lld", a, b, a + b, n);
    std::string extra;
    if (std::cin >> extra) wrong_answer("trailing output: %s", extra.c_str());
    accept();
}
