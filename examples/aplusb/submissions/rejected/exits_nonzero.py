# A DOMjudge tag names the expected results (it wins over the folder):
# @EXPECTED_RESULTS@: RUN-ERROR, WRONG-ANSWER
import sys
a, b = map(int, input().split())
print(a + b)
sys.exit(3)
