"""Judge0 callbacks beyond the happy path (tests/service/test_reliability.py has that): one PUT
as ``worker.service.callbacks.send`` makes it (the checked address, the Host header, no redirects),
and, with a real worker, a target that fails is tried again and given up on after
``CALLBACKS_MAX_TRIES``, 2 and 4 s apart."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests

import jbstack
from worker.service import callbacks
from worker.store import submissions


class _Target:
    """A local HTTP server answering each PUT with the next of ``codes`` (the last repeats)."""

    def __init__(self, codes, tls: ssl.SSLContext | None = None):
        self.codes, self.received = list(codes), []
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                target.received.append((time.monotonic(), self.path, dict(self.headers),
                                        json.loads(body)))
                code = target.codes.pop(0) if len(target.codes) > 1 else target.codes[0]
                self.send_response(code)
                if code in (301, 302, 307, 308):
                    self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}"
                                                 "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target_factory():
    made = []

    def make(*codes, tls=None):
        made.append(_Target(codes or (200,), tls))
        return made[-1]

    yield make
    for target in made:
        target.stop()


def test_send_puts_json_to_the_checked_address_with_the_host_header(target_factory):
    target = target_factory(200)
    url = f"http://localhost:{target.port}/hook?x=1"
    assert callbacks.send(url, {"token": "t"}, 5, allow_private=True) == 200
    (_, path, headers, body), = target.received
    assert path == "/hook?x=1" and body == {"token": "t"}
    assert headers["Host"] == f"localhost:{target.port}"
    assert headers["Content-Type"] == "application/json"


def test_send_refuses_private_targets_before_connecting(target_factory):
    target = target_factory(200)
    with pytest.raises(callbacks.CallbackRefused):
        callbacks.send(f"http://127.0.0.1:{target.port}/hook", {}, 5, allow_private=False)
    assert target.received == []


@pytest.mark.parametrize("code", [500, 302, 404])
def test_send_fails_on_anything_but_2xx_and_follows_no_redirect(target_factory, code):
    target = target_factory(code)
    with pytest.raises(callbacks.CallbackFailed, match=f"HTTP {code}"):
        callbacks.send(f"http://127.0.0.1:{target.port}/hook", {}, 5, allow_private=True)
    assert [path for _, path, _, _ in target.received] == ["/hook"]


def test_send_fails_when_nothing_answers():
    port = jbstack.free_port()
    with pytest.raises(callbacks.CallbackFailed):
        callbacks.send(f"http://127.0.0.1:{port}/hook", {}, 2, allow_private=True)


def _certificate(directory, host: str) -> tuple[str, str]:
    """A self-signed certificate for ``host`` (openssl), as (cert, key) paths."""
    cert, key = str(directory / f"{host}.pem"), str(directory / f"{host}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def rebinding_dns(monkeypatch):
    """``callback.test`` resolves to 127.0.0.1 the first time and to 127.0.0.3 (where
    nothing listens) after that, as a DNS rebinding attacker would answer; the answers
    given are counted."""
    real, asked = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "callback.test":
            asked.append(host)
            host = "127.0.0.1" if len(asked) == 1 else "127.0.0.3"
        return real(host, port, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_try_connects_to_the_address_it_checked(tmp_path, target_factory, rebinding_dns,
                                                  scheme):
    """One resolution a try: the PUT reaches the address that was checked, whatever the
    name resolves to afterwards; for https the TLS name and the certificate are the host's."""
    tls, verify = None, True
    if scheme == "https":
        cert, key = _certificate(tmp_path, "callback.test")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        verify = cert
    target = target_factory(200, tls=tls)
    url = f"{scheme}://callback.test:{target.port}/hook"
    assert callbacks.send(url, {"token": "t"}, 5, allow_private=True, verify=verify) == 200
    assert rebinding_dns == ["callback.test"]
    (_, path, headers, _), = target.received
    assert path == "/hook" and headers["Host"] == f"callback.test:{target.port}"


def test_https_checks_the_certificate_against_the_host_name(tmp_path, target_factory,
                                                             rebinding_dns):
    cert, key = _certificate(tmp_path, "other.test")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    target = target_factory(200, tls=tls)
    with pytest.raises(callbacks.CallbackFailed, match="SSL|certificate|hostname"):
        callbacks.send(f"https://callback.test:{target.port}/hook", {}, 5, allow_private=True,
                       verify=cert)
    assert target.received == []


def _submit_with_callback(stack, url, source="print(6 * 7)"):
    response = requests.post(f"{stack.url}/submissions", json={
        "source_code": source, "language_id": 71, "expected_output": "42",
        "callback_url": url}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _callback_state(stack, token, state, timeout=30):
    return jbstack.wait_until(
        lambda: submissions.get(stack.store, token, results=False).callback_state == state,
        timeout, 0.1, what=f"callback state {state}")


def test_a_failing_target_is_tried_again_then_gets_it(stack, target_factory):
    target = target_factory(503, 200)
    token = _submit_with_callback(stack, f"http://127.0.0.1:{target.port}/again")
    _callback_state(stack, token, "sent")
    assert len(target.received) == 2
    first, second = target.received
    assert second[0] - first[0] >= 1.5  # 2 s apart (Celery countdown)
    assert first[3] == second[3] and second[3]["token"] == token
    assert second[3]["status"] == {"id": 3, "description": "Accepted"}


def test_a_target_that_always_fails_is_given_up_after_max_tries(stack, target_factory):
    target = target_factory(500)
    token = _submit_with_callback(stack, f"http://127.0.0.1:{target.port}/never")
    _callback_state(stack, token, "failed", timeout=40)
    assert len(target.received) == 3  # CALLBACKS_MAX_TRIES
    gaps = [b[0] - a[0] for a, b in zip(target.received, target.received[1:])]
    assert gaps[0] >= 1.5 and gaps[1] >= 3.5, gaps  # 2 s, then 4 s
    time.sleep(1)
    assert len(target.received) == 3  # and no more


def test_a_compile_error_is_called_back_too(stack, target_factory):
    target = target_factory(200)
    token = _submit_with_callback(stack, f"http://127.0.0.1:{target.port}/ce",
                                  source="def f(:\n")
    _callback_state(stack, token, "sent")
    body = target.received[0][3]
    assert body["token"] == token and body["status"]["id"] == 6
    assert body["compile_output"]  # base64 of the compiler's message
