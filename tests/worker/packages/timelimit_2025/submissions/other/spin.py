# Never ends on the large group: it must time out there, at any limit.
n = int(input())
while n > 1000:
    pass
print(2 * n)
