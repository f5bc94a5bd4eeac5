# Verdict subtlety: a Python program asks for far more memory than exists (a size from a bad
# computation); the allocation fails at once and CPython raises MemoryError, uncaught: exit 1
# with the traceback on stderr. The run failed for want of memory.
n = 1 << 45
data = bytearray(n)
print(len(data))
