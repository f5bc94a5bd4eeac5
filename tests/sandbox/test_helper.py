"""The box helper (``sandbox/native/jbox.c``): its protocol with the supervisor, and the
network namespaces it makes ahead of the boxes."""

from __future__ import annotations

import os

from sandbox import Limits, SandboxSpec, Status, forkserver, open_box, run

# Checks that the box's loopback is up (SIOCGIFFLAGS, through the AF_UNIX socket the filter
# allows), then names the network namespace it ran in.
LOOPBACK = ("python3", "-c",
            "import fcntl, os, socket, struct\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "flags = struct.unpack('16sH14x', fcntl.ioctl(s, 0x8913, struct.pack('16sH14x', b'lo', 0)))[1]\n"
            "assert flags & 1, 'lo is down'\n"
            "print(os.readlink('/proc/self/ns/net'))")
LIMITS = Limits(cpu_time_ms=5000, wall_time_ms=10000)


def _namespace(out) -> str:
    assert out.status is Status.OK, (out.status, out.message, out.stderr)
    return out.stdout.decode().strip()


def test_each_box_has_a_network_namespace_of_its_own_with_loopback_up():
    """The fork server makes the next box's namespace ahead: never the host's, never one an
    open box holds, never the same for two boxes in a row."""
    host = os.readlink("/proc/self/ns/net")
    with open_box() as box:
        held = _namespace(box.run(SandboxSpec(LOOPBACK, LIMITS)))
        cold = [_namespace(run(SandboxSpec(LOOPBACK, LIMITS))) for _ in range(3)]
        assert _namespace(box.run(SandboxSpec(LOOPBACK, LIMITS))) == held  # the box's own
    assert host != held and host not in cold and held not in cold
    assert all(a != b for a, b in zip(cold, cold[1:]))


def test_the_helper_refuses_a_malformed_plan_and_goes_on_serving():
    server = forkserver.server()
    with server.lock:
        for plan in (b"\x7f\x05\x00\x00\x00hello",  # a record of no known kind
                     b"a\xff\xff\xff\x7fls\x00",  # a record longer than the plan
                     b"i\x03\x00\x00\x00abc"):  # ids of the wrong size
            server.sock.send(plan)
            answer = server.sock.recv(4096)
            assert answer.startswith(b"E"), (plan, answer)
    assert server.alive()
    assert run(SandboxSpec(("true",), LIMITS)).status is Status.OK
