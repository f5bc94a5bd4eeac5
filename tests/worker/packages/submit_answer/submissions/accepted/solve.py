# A program is judged as a program (the format's own submit-answer example has them).
n = int(input())
print(n * n)
