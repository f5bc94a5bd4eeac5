// A testlib checker: compares the contestant's sum with the jury's.
#include "testlib.h"

int main(int argc, char *argv[]) {
    registerTestlibCmd(argc, argv);
    long long n = inf.readLong(1, 1000, "n");
    long long jury = ans.readLong();
    long long team = ouf.readLong(-n * 1000000000LL, n * 1000000000LL, "sum");
    if (team != jury)
        quitf(_wa, "expected %lld, found %lld", jury, team);
    quitf(_ok, "the sum is %lld", team);
}
