# The @EXPECTED_RESULTS@ tag needs a colon: this line is prose.
print(input())
