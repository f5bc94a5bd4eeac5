def f(n):
    return f(n + 1)
n = int(input())
f(n)
