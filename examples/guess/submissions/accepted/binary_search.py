low, high = 1, 1000
while True:
    middle = (low + high) // 2
    print("guess", middle, flush=True)
    reply = input()
    if reply == "correct":
        break
    if reply == "lower":
        high = middle - 1
    else:
        low = middle + 1
