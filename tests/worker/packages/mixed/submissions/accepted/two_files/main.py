# @EXPECTED_RESULTS@: ACCEPTED
from words import first
print(first(input()))
