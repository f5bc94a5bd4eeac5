print(int(input()) + {{offset}} + 1)
