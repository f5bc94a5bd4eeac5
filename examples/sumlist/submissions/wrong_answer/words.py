# Not a number at all: testlib's "wrong output format" (presentation error), a WA here.
input()
print("the sum is", sum(map(int, input().split())))
