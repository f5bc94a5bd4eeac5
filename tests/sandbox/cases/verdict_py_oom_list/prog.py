# Verdict subtlety: a list of distinct ints grows until the cgroup limit; CPython never sees a
# failed malloc (the kernel overcommits), the OOM killer ends it. Whatever the interpreter
# manages to print, the verdict is MLE.
data = []
i = 0
while True:
    data.append(i * 7919)
    i += 1
