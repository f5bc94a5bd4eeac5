# Escapes from Python over the network: a TCP connection to the judge's host listener (given
# as an argument), the same through IPv6 and UDP, a DNS lookup, and the judge's abstract unix
# socket. All must fail: the box has its own network namespace (loopback only) and seccomp
# allows unix sockets only.
import os
import socket
import sys

port, abstract = int(sys.argv[1]), sys.argv[2]
attempts = [
    ("TCP 127.0.0.1", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", port)),
    ("TCP ::1", socket.AF_INET6, socket.SOCK_STREAM, ("::1", port)),
    ("UDP 8.8.8.8:53", socket.AF_INET, socket.SOCK_DGRAM, ("8.8.8.8", 53)),
    ("abstract unix socket", socket.AF_UNIX, socket.SOCK_STREAM, "\0" + abstract),
]
for name, family, kind, address in attempts:
    try:
        with socket.socket(family, kind) as s:
            s.settimeout(0.5)
            s.connect(address)
            if kind == socket.SOCK_DGRAM:
                s.send(b"x")
    except OSError as exc:
        print(f"blocked: {name}: {exc}")
        continue
    print(f"ESCAPED: {name} connected", flush=True)
    os._exit(99)
try:
    socket.getaddrinfo("example.com", 80)
    print("ESCAPED: DNS resolved", flush=True)
    os._exit(99)
except OSError as exc:
    print(f"blocked: DNS: {exc}")
print("all blocked")
