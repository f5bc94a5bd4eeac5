# Mentions @EXPECTED_RESULTS@ in prose only.
print('bye')
