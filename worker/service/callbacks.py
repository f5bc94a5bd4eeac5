"""Judge0 callbacks: on completion, ``PUT callback_url`` with the submission's default fields
(always base64), as Judge0 does; tried up to ``tries`` times with a timeout each.

A callback goes only to a public address: the URL must be http(s), and every address its host
resolves to must be global (not private, loopback, link-local, multicast or reserved, nor an
IPv6 form of such an IPv4 address: mapped, 6to4, Teredo, NAT64), unless the configuration
allows private targets. The check runs when the submission is created and
again right before each try, and each try connects to the address that try checked (the
Host header names the host; for https, the TLS server name and the certificate are checked
against the host name, not the address), so a name that resolves differently between the
check and the connection (DNS rebinding) cannot redirect it. Redirects are not followed, and
no proxy from the environment is used (a proxy would resolve the name again).

Errors: :class:`CallbackRefused` (a target not allowed), :class:`CallbackFailed` (the target
did not answer 2xx).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

__all__ = ["CallbackRefused", "CallbackFailed", "check_url", "send"]


class CallbackRefused(Exception):
    """The callback URL is not allowed (why in the message); ``private`` when only because
    it points at a private address (``CALLBACKS_ALLOW_PRIVATE`` would allow it)."""

    def __init__(self, message: str, private: bool = False) -> None:
        super().__init__(message)
        self.private = private


class CallbackFailed(Exception):
    """The callback target did not accept the PUT."""


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallbackRefused(f"cannot resolve {host!r}: {exc}") from exc
    return sorted({info[4][0] for info in infos})


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global and not multicast; an IPv6 address embedding an IPv4 one (IPv4-mapped or
    -compatible, 6to4, Teredo, NAT64) only when that IPv4 address is public too."""
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if ip in _NAT64 or int(ip) >> 32 == 0:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        return all(_public(v4) for v4 in embedded if v4 is not None)
    return True


def check_url(url: str, allow_private: bool = False) -> list[str]:
    """Check a callback URL; returns the addresses its host resolves to."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise CallbackRefused(f"not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackRefused("must be an http:// or https:// URL with a host")
    addresses = _addresses(parts.hostname, port)
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not _public(ip):
                raise CallbackRefused(f"{parts.hostname} resolves to {address}, which is not "
                                      "a public address", private=True)
    return addresses


class _PinnedTLS(HTTPAdapter):
    """An https adapter whose connections, made to an address, present ``hostname`` as the
    TLS server name and check the certificate against it."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(*args, **kwargs)


def send(url: str, payload: dict, timeout_s: float, allow_private: bool = False,
         verify: bool | str = True) -> int:
    """One try: PUT the payload as JSON to the address just checked; returns the HTTP status
    (2xx), else raises. ``verify`` is requests' (a CA bundle's path, for tests)."""
    addresses = check_url(url, allow_private)
    parts = urlsplit(url)
    address = addresses[0]
    host = f"[{address}]" if ":" in address else address
    target = urlunsplit((parts.scheme, host + (f":{parts.port}" if parts.port else ""),
                         parts.path or "/", parts.query, ""))
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
    auth = (parts.username or "", parts.password or "") if parts.username else None
    try:
        with requests.Session() as session:
            session.trust_env = False
            session.mount("https://", _PinnedTLS(parts.hostname))
            response = session.put(target, json=payload, headers=headers, auth=auth,
                                   timeout=timeout_s, allow_redirects=False, verify=verify)
    except requests.RequestException as exc:
        raise CallbackFailed(f"PUT {url}: {exc.__class__.__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise CallbackFailed(f"PUT {url}: HTTP {response.status_code}")
    return response.status_code
