w = input().split()
print(w[-1])
