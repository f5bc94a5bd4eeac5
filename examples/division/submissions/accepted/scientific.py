# 3.333333e-01: six significant digits are enough for a relative error of 1e-6.
a, b = map(int, input().split())
print(f"{a / b:.6e}")
