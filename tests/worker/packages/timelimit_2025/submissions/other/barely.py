# Times out at the limit (1 s) on one test but not with time_limit_to_tle's margin (1.5 s):
# verify warns that the limit is too close to its run time.
import time
n = int(input())
while n == 5000000 and time.process_time() < 1.2:
    pass
print(2 * n)
