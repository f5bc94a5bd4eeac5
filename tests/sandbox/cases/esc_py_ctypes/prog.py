# Escapes from Python through ctypes: raw system calls the seccomp policy denies (mount,
# unshare, ptrace, setuid(0), chroot, keyctl, bpf, reboot, init_module) and an AF_INET socket.
# Each must fail; a success prints ESCAPED and exits 99.
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

CALLS = {  # name: (x86-64 number, arguments)
    "mount(tmpfs, /tmp)": (165, (b"none", b"/tmp", b"tmpfs", 0, None)),
    "unshare(CLONE_NEWUSER)": (272, (0x10000000,)),
    "unshare(CLONE_NEWNS)": (272, (0x00020000,)),
    "ptrace(PTRACE_TRACEME)": (101, (0, 0, 0, 0)),
    "setuid(0)": (105, (0,)),
    "chroot(/tmp)": (161, (b"/tmp",)),
    "keyctl(JOIN_SESSION_KEYRING)": (250, (1, None)),
    "bpf(MAP_CREATE)": (321, (0, None, 0)),
    "reboot(CAD_OFF)": (169, (0xfee1dead, 672274793, 0, None)),
    "init_module": (175, (None, 0, b"")),
    "socket(AF_INET, SOCK_STREAM)": (41, (2, 1, 0)),
    "socket(AF_NETLINK, SOCK_RAW)": (41, (16, 3, 0)),
}
for name, (number, args) in CALLS.items():
    r = libc.syscall(number, *args)
    if r >= 0:
        print(f"ESCAPED: {name} succeeded ({r})", flush=True)
        os._exit(99)
    print(f"blocked: {name}: {os.strerror(ctypes.get_errno())}")
if os.getuid() == 0 or os.geteuid() == 0:
    print("ESCAPED: running as root", flush=True)
    sys.exit(99)
print("all blocked")
