# Right on the small group; on the large one it never ends (a time-out at any limit).
n = int(input())
while n > 1000:
    pass
print(2 * n)
