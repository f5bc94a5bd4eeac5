# @EXPECTED_RESULTS@: OUTPUT_LIMIT
import sys
sys.stdout.write(input() + '\n' * (9 * 1024 * 1024))
