# every number to EOF into a file in /tmp, then read back from it
import sys

with open("/tmp/numbers.txt", "w") as out:
    for word in sys.stdin.read().split():
        print(int(word), file=out)
with open("/tmp/numbers.txt") as back:
    numbers = [int(line) for line in back]
print(len(numbers), sum(numbers))
