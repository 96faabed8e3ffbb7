"""The one guarded way out: every connection the product opens to a store's host.

Store URLs and the image URLs a store lists are chosen by whoever connects a store or runs its
WooCommerce admin: without a guard the worker would fetch whatever they point at (the machine's
own services, the private network, the cloud metadata address). So every socket to a store is
opened here, by :class:`GuardedAdapter`'s connection classes, which:

* resolve the host name, check every address it resolves to, and connect to exactly an address
  they checked (``socket.connect`` gets the IP, never the name again): a DNS answer that changes
  between a check and the connection (DNS rebinding) cannot slip through;
* refuse loopback, private (IPv6 site-local too), shared (CGNAT), link-local (169.254.169.254,
  the cloud metadata service, is one), Azure's platform address (168.63.129.16), multicast,
  reserved and unspecified addresses and their IPv6 forms, including IPv4 addresses written as
  IPv6 (``::ffff:10.0.0.1``, NAT64 ``64:ff9b::10.0.0.1``);
* let through what ``STORE_ALLOWED_NETWORKS`` lists (a shop on the self-hoster's own LAN, or the
  sandbox on loopback in development and tests).

A refusal raises :class:`AddressRefused` before any packet is sent to the address. It is not an
``OSError``, so urllib3 and requests pass it through unchanged (no retries, no wrapping) and the
adapter (``sync.woo``) turns it into a typed error with the same clear message.

The session built by :func:`guarded_session` also ignores proxy environment variables
(``trust_env = False``): through a proxy the guard would only ever see the proxy's address.

Its connections also keep to a :class:`Deadline`: time-outs apply to each read, so a store
sending a byte every few seconds could otherwise hold a worker for ever.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import ipaddress
import itertools
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import NameResolutionError
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
# Public in form, but answered by the cloud host itself: Azure's platform service (WireServer,
# with its guest-agent plugin on port 32526), a metadata service like 169.254.169.254.
_CLOUD_PLATFORM = ipaddress.ip_network("168.63.129.16/32")


# What a shop owner is told (Test connection, the sync errors page); the error itself names the address.
REFUSED_EXPLANATION = _(
    "Storedesk did not connect: this address is on a private network (this machine, the LAN, "
    "link-local or cloud metadata addresses). See STORE_ALLOWED_NETWORKS to allow a shop on "
    "your own network."
)


class AddressRefused(Exception):
    """The store's host resolves to an address Storedesk does not connect to."""

    code = "address_refused"

    def __init__(self, message: str, *, host: str = "", address: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.address = address


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``STORE_ALLOWED_NETWORKS`` parsed (read on every connection, so tests can change it)."""
    return _networks(tuple(getattr(settings, "STORE_ALLOWED_NETWORKS", ())))


def _kind(ip: IPAddress) -> str | None:
    """What kind of non-public address ``ip`` is, or None when it is a public one."""
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if ip in _CLOUD_PLATFORM:
        return "a cloud platform address (the host's own services answer there)"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    # IPv6 site-local (fec0::/10) is deprecated, so Python counts it as global; where a network
    # still numbers with it, it is as private as fc00::/7.
    if ip.is_private or (ip.version == 4 and ip in _SHARED) or (ip.version == 6 and ip.is_site_local):
        return "a private network address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def _unwrapped(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, NAT64), else ``ip`` itself."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def refusal(host: str, address: str) -> AddressRefused | None:
    """Why connecting to ``address`` (``host`` resolved to it) is refused, or None if allowed."""
    ip = _unwrapped(ipaddress.ip_address(address.split("%", 1)[0]))  # drop an IPv6 zone id
    if any(ip in network for network in allowed_networks() if network.version == ip.version):
        return None
    kind = _kind(ip)
    if kind is None:
        return None
    named = f"{host} resolves to {ip}" if host != str(ip) else str(ip)
    return AddressRefused(
        f"{named}, {kind}: this address is on a private network, and Storedesk does not connect to "
        "private networks; see STORE_ALLOWED_NETWORKS",
        host=host,
        address=str(ip),
    )


@functools.lru_cache(maxsize=64)
def address_kind(host: str) -> str | None:
    """What kind of non-public address ``host`` is or resolves to (the first such address), None
    when every address is public. A name that does not resolve here is "unresolvable". Used to
    tell whether a shop on the internet can reach an address of ours (cached per process)."""
    host = (host or "").strip("[]")
    try:
        addresses = [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError):
            return "unresolvable"
    for ip in addresses:
        kind = _kind(_unwrapped(ip))
        if kind is not None:
            return kind
    return None


class SchemeRefused(AddressRefused):
    """The URL is not http or https (``file:``, ``ftp:``, ``gopher:``...)."""

    code = "unsupported_scheme"


def check_url(url: str) -> None:
    """Refuse a URL whose scheme is not http or https (before anything is resolved)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise SchemeRefused(
            f"{scheme or 'a URL without a scheme'}: only http and https addresses are fetched", host=url[:200]
        )


def _allowed_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to that may be connected to, in the resolver's order;
    raises the first refusal when there is none."""
    allowed: list[str] = []
    refused = None
    for *_answer, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        address = sockaddr[0]
        reason = refusal(host, address)
        if reason is None:
            if address not in allowed:
                allowed.append(address)
        else:
            refused = refused or reason
    if not allowed and refused is not None:
        raise refused
    return allowed


class Deadline:
    """An overall time limit on the requests a thread sends inside ``with Deadline(seconds)``.

    When it passes, a watchdog thread shuts down the socket of the connection the request is
    on: a read blocked on a store that drips its answer ends at once (with an error, or with an
    end of the body), and ``expired`` tells the caller why.
    """

    _current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(self._current, "deadline", None)
        self._current.deadline = self
        _watchdog.add(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.done = True
            self._socket = None
        self._current.deadline = self._outer

    @classmethod
    def watch(cls, connection: HTTPConnection) -> None:
        """``connection`` carries this thread's request now (shut down at once if overdue). Its
        socket is kept: http.client lets go of it once an answer without a length arrives, while
        the answer is still read from it."""
        deadline = getattr(cls._current, "deadline", None)
        if deadline is not None and connection.sock is not None:
            with deadline._lock:
                deadline._socket = connection.sock
            if deadline.expired:
                deadline.expire()

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            if self._socket is not None:
                with contextlib.suppress(OSError):  # closed already
                    self._socket.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread for every deadline of the process: expires each when its time comes."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._queue, (deadline.at, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="egress-deadlines", daemon=True)
                self._thread.start()
            if self._queue[0][2] is deadline:  # sooner than the one it waits for
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                while self._queue and (self._queue[0][2].done or self._queue[0][0] <= now):
                    deadline = heapq.heappop(self._queue)[2]
                    if not deadline.done:
                        deadline.expire()
                self._wake.wait(self._queue[0][0] - now if self._queue else None)


_watchdog = _Watchdog()


class _GuardedConnectionMixin:
    """urllib3's ``_new_conn``, connecting only to addresses the guard allowed: each is handed to
    ``create_connection`` as an IP literal, so what is connected to is what was checked. Each
    request is watched by the thread's :class:`Deadline`, if any."""

    def request(self, *args, **kwargs) -> None:
        Deadline.watch(self)
        super().request(*args, **kwargs)
        Deadline.watch(self)  # connected by now: an overdue one is shut down before any read

    def _new_conn(self) -> socket.socket:
        try:
            addresses = _allowed_addresses(self._dns_host.strip("[]"), self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: OSError | None = None
        for address in addresses:
            try:
                return connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose connection pools open sockets through the guard."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise AddressRefused("requests to stores do not go through proxies (the guard must see the address)")


def guarded_session(*, pool_size: int) -> requests.Session:
    """A session whose every connection (http and https) goes through the guard."""
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the guard checks the real peer
    adapter = GuardedAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    for scheme in ALLOWED_SCHEMES:
        session.mount(f"{scheme}://", adapter)
    return session
