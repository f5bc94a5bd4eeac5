# Escapes from Python through /proc: the environment of the box's init (root) and of any other
# process, the judge's pids (given as arguments: they must not exist here), and its own
# environment, which must be the template's and nothing of the judge's.
import os
import sys

judge_pid, judge_ppid = sys.argv[1:3]
for path in ("/proc/1/environ", "/proc/1/cmdline", "/proc/1/root/etc/shadow",
             f"/proc/{judge_pid}/environ", f"/proc/{judge_ppid}/environ",
             "/proc/sys/kernel/core_pattern"):
    try:
        with open(path, "rb") as f:
            data = f.read(200)
    except OSError as exc:
        print(f"blocked: {path}: {exc.strerror}")
        continue
    if path.endswith("core_pattern"):
        try:
            with open(path, "w") as f:
                f.write("|/box/x")
            print(f"ESCAPED: wrote {path}", flush=True)
            sys.exit(99)
        except OSError as exc:
            print(f"blocked: write {path}: {exc.strerror}")
        continue
    print(f"ESCAPED: read {path}: {data[:60]!r}", flush=True)
    sys.exit(99)
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
if others:
    print(f"ESCAPED: sees other processes {others}", flush=True)
    sys.exit(99)
allowed = {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING",
           "LC_CTYPE"}  # LC_CTYPE: CPython's own C-locale coercion may set it
extra = sorted(set(os.environ) - allowed)
if extra:
    print(f"ESCAPED: judge environment in the box: {extra}", flush=True)
    sys.exit(99)
with open("/proc/self/environ", "rb") as f:
    own = f.read()
    if b"REDIS" in own or b"DATABASE" in own or b"PYTEST" in own:
        print("ESCAPED: a secret in /proc/self/environ", flush=True)
        sys.exit(99)
print("all blocked")
