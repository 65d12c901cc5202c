"""Requests the server makes on users' behalf (outgoing webhooks, link previews), safe from SSRF.

A URL a user typed must never reach what only the server can reach: its own loopback, the
private network, a cloud's metadata address. So the host is resolved once, every address it
resolves to is checked (IPv4 and IPv6, and the IPv4 addresses IPv6 forms carry inside them), and
the connection goes to the checked address itself (the Host header and TLS name stay the URL's),
so a second DNS answer cannot point elsewhere between the check and the connect. Redirects are
refused, not followed: a webhook's receiver answers, it does not send us on. Timeouts are short
and a response is read up to a size limit.

A link preview's GET (`get`) follows redirects itself, a few at most, each new location resolved
and checked again as above; it sends no cookies (a fresh client per hop keeps none) and may cut a
page at its size limit instead of failing.

`OUTBOUND_ALLOW_PRIVATE=true` lifts the address rule, for tests reaching a server of their own;
`OUTBOUND_ALLOW_HOSTS=host:port,...` lifts it for those exact hosts only (an intranet service, or
a test whose server redirects elsewhere).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from socialhub.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and 8215).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# Shared address space (carrier-grade NAT): not global, and older Pythons call it neither
# private nor reserved.
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
USER_AGENT = "SocialHub-Webhooks/1"


class OutboundError(Exception):
    """The request was refused before it left, or failed on the way; `code` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    # Where the body came from, after redirects; `truncated`: cut at the size limit.
    url: str = ""
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for: mapped (::ffff:a.b.c.d), 6to4, Teredo, NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why the address may not be reached (its class), or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # a connection to it reaches the IPv4 address
            return refusal(address.ipv4_mapped)
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = refusal(inner)
            if reason is not None:
                return reason
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link_local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("private", isinstance(address, ipaddress.IPv4Address) and address in _SHARED),
        ("reserved", not address.is_global),
    )
    for reason, matched in checks:
        if matched:
            return reason
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: IPAddress
    path: str

    @property
    def url(self) -> str:
        """The URL with the checked address in place of the host name."""
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL without credentials."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise OutboundError("invalid_url", f"not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundError("invalid_url", "the URL must start with http:// or https://")
    if parts.username is not None or parts.password is not None:
        raise OutboundError("invalid_url", "the URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise OutboundError("invalid_url", "the URL has no host")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """The URL's host resolved once and checked: refused if ANY of its addresses is not public
    (a name answering both a public and a private address would otherwise be a coin toss)."""
    scheme, host, port, path = check_url(url)
    settings = get_settings()
    allow = settings.outbound_allow_private if allow_private is None else allow_private
    allow = allow or f"{host}:{port}" in settings.outbound_allow_hosts
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundError("unresolvable", f"{host} could not be resolved: {error}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OutboundError("unresolvable", f"{host} has no address")
    if not allow:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise OutboundError(
                    "address_refused", f"{host} resolves to a {reason} address ({address})"
                )
    return Target(scheme, host, port, addresses[0], path)


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    allow_private: bool | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> OutboundResponse:
    """POST `content` to `url` under the rules above. Raises `OutboundError` when refused or
    when the request fails (timeout, connection, a redirect, a response over the limit)."""
    settings = get_settings()
    seconds = settings.outbound_timeout_seconds if timeout is None else timeout
    limit = settings.outbound_max_response_bytes if max_bytes is None else max_bytes
    target = resolve(url, allow_private=allow_private)
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request_headers = {"User-Agent": USER_AGENT, **headers, "Host": target.host_header}
    deadline = time.monotonic() + 2 * seconds
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(seconds), follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                target.url,
                content=content,
                headers=request_headers,
                extensions=extensions,
            ) as response,
        ):
            if response.is_redirect:
                raise OutboundError(
                    "redirect_refused", f"the receiver redirected ({response.status_code})"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise OutboundError("response_too_large", f"the response is over {limit} bytes")
                if time.monotonic() > deadline:
                    raise OutboundError("timeout", "the receiver took too long to answer")
            return OutboundResponse(response.status_code, bytes(body), dict(response.headers))
    except httpx.TimeoutException:
        raise OutboundError("timeout", "the receiver took too long to answer") from None
    except httpx.HTTPError as error:
        raise OutboundError("connection_failed", f"the request failed: {error}") from None


MAX_REDIRECTS = 5


def get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    allow_private: bool | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
    truncate: bool = False,
    user_agent: str = USER_AGENT,
) -> OutboundResponse:
    """GET `url`, following at most `MAX_REDIRECTS` redirects, each target checked as the first.
    Over `max_bytes` the body is cut there (`truncate`) or the request fails. Raises
    `OutboundError` when refused or when the request fails."""
    settings = get_settings()
    seconds = settings.outbound_timeout_seconds if timeout is None else timeout
    limit = settings.outbound_max_response_bytes if max_bytes is None else max_bytes
    deadline = time.monotonic() + 2 * seconds
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = resolve(current, allow_private=allow_private)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request_headers = {"User-Agent": user_agent, **(headers or {}), "Host": target.host_header}
        try:
            with (
                httpx.Client(
                    timeout=httpx.Timeout(seconds), follow_redirects=False, trust_env=False
                ) as client,
                client.stream(
                    "GET", target.url, headers=request_headers, extensions=extensions
                ) as response,
            ):
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise OutboundError("connection_failed", "a redirect without a location")
                    current = urljoin(current, location)
                    continue
                body = bytearray()
                truncated = False
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        if not truncate:
                            raise OutboundError(
                                "response_too_large", f"the response is over {limit} bytes"
                            )
                        del body[limit:]
                        truncated = True
                        break
                    if time.monotonic() > deadline:
                        raise OutboundError("timeout", "the server took too long to answer")
                return OutboundResponse(
                    response.status_code,
                    bytes(body),
                    dict(response.headers),
                    url=current,
                    truncated=truncated,
                )
        except httpx.TimeoutException:
            raise OutboundError("timeout", "the server took too long to answer") from None
        except httpx.HTTPError as error:
            raise OutboundError("connection_failed", f"the request failed: {error}") from None
    raise OutboundError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects")
