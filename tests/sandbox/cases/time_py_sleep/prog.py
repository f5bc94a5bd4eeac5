# Timing trick in Python: sleep without using CPU (time.sleep, then select with no fds), so
# only the wall clock can end the run.
import select
import time

print("sleeping", flush=True)
time.sleep(30)
select.select([], [], [], 30)
