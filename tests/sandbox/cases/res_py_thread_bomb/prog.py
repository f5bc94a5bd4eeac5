# Thread bomb in Python: every thread starts threads forever; a refused start
# (RuntimeError: can't start new thread) is retried. The main thread reports an escape when
# it sees more threads than the process limit.
import os
import threading


def bomb():
    while True:
        try:
            threading.Thread(target=bomb, daemon=True).start()
        except RuntimeError:
            pass


threading.Thread(target=bomb, daemon=True).start()
while True:
    n = len(os.listdir("/proc/self/task"))
    if n > 16:
        print(f"ESCAPED: {n} threads with processes=16", flush=True)
        os._exit(99)
