# Right for small n only... but prints F(n+1): wrong everywhere (0 points).
n = int(input())
a, b = 0, 1
for _ in range(min(n, 100)):
    a, b = b, a + b
print(b)
