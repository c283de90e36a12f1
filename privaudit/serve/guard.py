"""Writes are checked before their body is read: the token first (401), then, for the login cookie, that the
write comes from this site's own pages (403), then the size (413). Also the login cookie's values, and HEAD.

A pure ASGI middleware, outside multipart parsing: a declared Content-Length over the limit is refused at once,
and a body without one (chunked) is counted as it streams in and cut off when it passes the limit. Refusals
carry ``Connection: close`` so the server drops the rest of the body instead of reading it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "privaudit_session"
SESSION_SECONDS = 12 * 3600  # how long a login lasts
CLOCK_SKEW = 60  # seconds a cookie's issue time may lie in the future (clock steps)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class Sessions:
    """Login cookies: ``<issued>.<nonce>.<mac>``, an HMAC (keyed by the token) over the issue time and a random
    nonce, valid ``lifetime`` seconds and checked here (the cookie's Max-Age is only a hint to the browser). A value
    logged out is refused until it would have expired anyway (kept in memory: a restart forgets it, the expiry
    still holds)."""

    FAILURES = 10  # wrong tokens from one client address within WINDOW seconds before it must wait
    WINDOW = 60.0

    def __init__(self, token: str, lifetime: int = SESSION_SECONDS) -> None:
        self.token, self.lifetime = token, lifetime
        self._revoked: dict[str, float] = {}  # value -> when it expires
        self._failures: dict[str, list[float]] = {}  # client address -> times of its recent wrong tokens

    def failed(self, client: str, now: float | None = None) -> None:
        """A wrong token (login form or Authorization header) from ``client``."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(client, []) if now - t < self.WINDOW]
        self._failures[client] = [*recent, now][-self.FAILURES:]
        if len(self._failures) > 10_000:  # bounded: forget the quietest clients
            for key in sorted(self._failures, key=lambda k: self._failures[k][-1])[:5_000]:
                del self._failures[key]

    def wait(self, client: str, now: float | None = None) -> int:
        """Seconds ``client`` must wait before trying a token again (0: go ahead): guessing is slowed to
        ``FAILURES`` tries a minute per address."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(client, []) if now - t < self.WINDOW]
        return int(self.WINDOW - (now - recent[0])) + 1 if len(recent) >= self.FAILURES else 0

    def _mac(self, issued: int, nonce: str) -> str:
        msg = f"privaudit-session-v2:{issued}:{nonce}".encode()
        return hmac.new(self.token.encode(), msg, hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        issued, nonce = int(time.time() if now is None else now), secrets.token_urlsafe(12)
        return f"{issued}.{nonce}.{self._mac(issued, nonce)}"

    def issued(self, value: str, now: float | None = None) -> int | None:
        """The value's issue time when it is genuine, unexpired and not logged out; else None."""
        parts = value.split(".")
        if len(parts) != 3 or not parts[0].isascii() or not parts[0].isdigit() or len(parts[0]) > 12:
            return None
        stamp, nonce, mac = parts
        if stamp != str(int(stamp)):  # one spelling per value ("0123" would pass the MAC but dodge a revocation)
            return None
        issued, now = int(stamp), time.time() if now is None else now
        if not hmac.compare_digest(mac.encode(), self._mac(issued, nonce).encode()):
            return None
        if not issued - CLOCK_SKEW <= now < issued + self.lifetime or value in self._revoked:
            return None
        return issued

    def valid(self, value: str, now: float | None = None) -> bool:
        return self.issued(value, now) is not None

    def revoke(self, value: str) -> None:
        """Logged out: this value is refused from now on."""
        now = time.time()
        if (issued := self.issued(value, now)) is not None:
            self._revoked = {v: t for v, t in self._revoked.items() if t > now}
            self._revoked[value] = issued + self.lifetime


def session_cookie(headers: Headers) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value
    return None


def authorisation(headers: Headers, token: str, sessions: Sessions) -> str | None:
    """How a request is authorised: ``"bearer"`` (``Authorization: Bearer <token>``, compared in constant time),
    ``"cookie"`` (a valid login cookie), or None."""
    auth = headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return "bearer"
    cookie = session_cookie(headers)
    if cookie is not None and sessions.valid(cookie):
        return "cookie"
    return None


def authorised(headers: Headers, token: str, sessions: Sessions) -> bool:
    return authorisation(headers, token, sessions) is not None


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL or an ``Origin`` value; None when it has none (``null``, garbage)."""
    try:
        u = urlsplit(url.strip())
        scheme, host, port = u.scheme.lower(), (u.hostname or "").lower(), u.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def own_origin(scope: Scope, headers: Headers) -> tuple[str, str, int] | None:
    """This request's own origin: its scheme (``https`` behind a proxy when uvicorn runs with --proxy-headers)
    and the ``Host`` it was sent to."""
    host = headers.get("host")
    return _origin(f"{scope.get('scheme', 'http')}://{host}") if host else None


def cross_site(scope: Scope, headers: Headers, *, required: bool) -> str | None:
    """Why a write does not come from this site's own pages, or None when it does: its ``Origin`` (else its
    ``Referer``'s origin) must be this request's own. With neither header, ``required`` decides."""
    given = headers.get("origin")
    what = "Origin"
    if given is None:
        given, what = headers.get("referer"), "Referer"
    if given is None:
        return "a write with the login cookie needs an Origin or Referer header (a browser sends one)" \
            if required else None
    mine = own_origin(scope, headers)
    if mine is not None and _origin(given) == mine:
        return None
    shown = " ".join(given.split())[:100] or "(empty)"
    here = f"{mine[0]}://{mine[1]}:{mine[2]}" if mine else "(no Host)"
    return (f"cross-site write refused: {what} {shown} is not this site ({here}); behind a TLS proxy, pass the "
            "Host header and start with --proxy-headers")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit; FastAPI passes HTTPExceptions through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes", headers={"Connection": "close"})


class WriteGuard:
    """Token, origin and size checks for every write (any method but GET/HEAD/OPTIONS).

    ``limits`` maps a path to its body limit; other writes get ``default_limit``. ``open_paths`` need no token
    (the login form itself). A write authorised by the login cookie rather than the ``Authorization`` header must
    come from this site's own pages (``Origin``, else ``Referer``; 403 otherwise): the cookie is sent by the
    browser whoever made the page, the header only by a client that knows the token. A write to an open path is
    refused the same way when it names another origin.
    """

    def __init__(self, app: ASGIApp, *, token: str, sessions: Sessions, limits: dict[str, int],
                 default_limit: int, open_paths: frozenset[str]) -> None:
        self.app, self.token, self.sessions, self.limits = app, token, sessions, limits
        self.default_limit, self.open_paths = default_limit, open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = Headers(scope=scope)
        client = (scope.get("client") or ("?", 0))[0]
        if path in self.open_paths:
            how = "open"
        elif (wait := self.sessions.wait(client)) > 0:
            await refuse(send, 429, f"too many wrong tokens from this address: try again in {wait} s",
                         {"Retry-After": str(wait)})
            return
        elif (how := authorisation(headers, self.token, self.sessions)) is None:
            if "authorization" in headers or "cookie" in headers:
                self.sessions.failed(client)
            await refuse(send, 401, "a write needs the token: Authorization: Bearer <token>, or log in at /login",
                         {"WWW-Authenticate": "Bearer"})
            return
        if how != "bearer" and (why := cross_site(scope, headers, required=how == "cookie")):
            await refuse(send, 403, why)
            return
        limit = self.limits.get(path, self.default_limit)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await refuse(send, 400, "malformed Content-Length")
                return
            if int(declared) > limit:
                await refuse(send, 413, f"request body larger than {limit} bytes")
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await refuse(send, 413, f"request body larger than {limit} bytes")


async def refuse(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """A JSON error sent without reading the request body; the connection is closed after it."""
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """``HEAD`` on any GET route: the request is handled as a GET and the response body dropped (the headers,
    ``Content-Length`` included, are the GET's). FastAPI routes answer only the methods they name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headless_send(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headless_send)
