"""The SSRF rules of requests the server makes for users: each address class, the URL rules,
no second DNS answer between check and connect, redirects and oversized answers refused."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from socialhub.delivery import outbound
from socialhub.delivery.outbound import OutboundError, refusal
from tests.support.receiver import receiver


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("100.64.0.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link_local"),
        ("fe80::1", "link_local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),
        ("0.0.0.0", "unspecified"),  # noqa: S104  (an address checked, not bound)
        ("::", "unspecified"),
        # IPv4 inside IPv6: mapped, 6to4, NAT64.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link_local"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_every_non_public_address_class_is_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x", "invalid_url"),
        ("file:///etc/passwd", "invalid_url"),
        ("http://user:pw@example.com/", "invalid_url"),
        ("http:///nohost", "invalid_url"),
        ("http://example.com:99999/", "invalid_url"),
        ("http://127.0.0.1/", "address_refused"),
        ("http://localhost:8080/", "address_refused"),
        ("http://[::1]/", "address_refused"),
        ("http://2130706433/", "address_refused"),  # 127.0.0.1 as one number
        ("http://0x7f.1/", "address_refused"),
        ("http://169.254.169.254/latest/meta-data/", "address_refused"),
        ("http://[::ffff:127.0.0.1]/", "address_refused"),
        ("http://no-such-host.invalid/", "unresolvable"),
    ],
)
def test_urls_refused_before_any_connection(url: str, code: str) -> None:
    with pytest.raises(OutboundError) as caught:
        outbound.post(url, content=b"{}", headers={}, allow_private=False)
    assert caught.value.code == code


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [("93.184.216.34", 80), ("10.0.0.5", 80)]
    monkeypatch.setattr(socket, "getaddrinfo", _fake_dns(answers, calls=[]))
    with pytest.raises(OutboundError, match="private address"):
        outbound.resolve("http://mixed.example/", allow_private=False)


def test_the_connection_goes_to_the_address_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is resolved once; the request reaches the checked address with the URL's Host."""
    with receiver() as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        calls: list[str] = []
        real = socket.getaddrinfo
        monkeypatch.setattr(
            socket, "getaddrinfo", _fake_dns([("127.0.0.1", port)], calls=calls, real=real)
        )
        response = outbound.post(
            f"http://rebind.example:{port}/hook",
            content=b'{"a":1}',
            headers={"Content-Type": "application/json"},
            allow_private=True,
        )
    assert response.status == 200
    assert calls == ["rebind.example"]
    assert server.received[0].headers["host"] == f"rebind.example:{port}"
    assert server.received[0].body == b'{"a":1}'


def test_allowing_private_addresses_reaches_a_local_server() -> None:
    with receiver() as server:
        with pytest.raises(OutboundError) as caught:
            outbound.post(server.url, content=b"x", headers={}, allow_private=False)
        assert caught.value.code == "address_refused"
        assert server.received == []
        response = outbound.post(server.url, content=b"x", headers={}, allow_private=True)
    assert (response.status, response.body) == (200, b"ok")


def test_redirects_are_refused_not_followed() -> None:
    with receiver() as server:
        server.status = 302
        server.reply_headers = {"Location": "http://169.254.169.254/"}
        with pytest.raises(OutboundError) as caught:
            outbound.post(server.url, content=b"x", headers={}, allow_private=True)
    assert caught.value.code == "redirect_refused"
    assert len(server.received) == 1


def test_a_response_over_the_limit_is_refused() -> None:
    with receiver() as server:
        server.reply = b"x" * 5000
        with pytest.raises(OutboundError) as caught:
            outbound.post(server.url, content=b"x", headers={}, allow_private=True, max_bytes=1000)
    assert caught.value.code == "response_too_large"


def test_a_closed_port_is_a_connection_failure() -> None:
    with receiver() as server:
        url = server.url
    with pytest.raises(OutboundError) as caught:
        outbound.post(url, content=b"x", headers={}, allow_private=True, timeout=1)
    assert caught.value.code == "connection_failed"


def _fake_dns(answers: list[tuple[str, int]], *, calls: list[str], real: Any = None) -> Any:
    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[Any]:
        if real is not None and host in ("127.0.0.1", "::1"):
            return list(real(host, port, *args, **kwargs))
        calls.append(host)
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, p),
            )
            for ip, p in answers
        ]

    return getaddrinfo
