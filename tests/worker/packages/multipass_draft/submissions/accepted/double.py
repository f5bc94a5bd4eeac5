w = input().split()
print(w[0] if len(w) == 1 else 2 * int(w[1]))
