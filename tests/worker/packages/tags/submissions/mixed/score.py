# @EXPECTED_SCORE@: CORRECT
print(input())
