import sys
a, b = map(int, sys.stdin.read().split())
sys.exit(42 if b != 0 and abs(a) <= 10**9 and abs(b) <= 10**9 else 43)
