"""Writes are checked before their body is read: the token first (401), then the size (413).

A pure ASGI middleware, outside multipart parsing: a declared Content-Length over the limit is refused at once,
and a body without one (chunked) is counted as it streams in and cut off when it passes the limit. Refusals
carry ``Connection: close`` so the server drops the rest of the body instead of reading it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "privaudit_session"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_value(token: str) -> str:
    """The login cookie's value: derived from the token (so the cookie never holds the token itself)."""
    return hmac.new(token.encode(), b"privaudit-session-v1", hashlib.sha256).hexdigest()


def authorised(headers: Headers, token: str) -> bool:
    """``Authorization: Bearer <token>`` or the login cookie, compared in constant time."""
    auth = headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and hmac.compare_digest(value.encode(), session_value(token).encode()):
            return True
    return False


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit; FastAPI passes HTTPExceptions through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes", headers={"Connection": "close"})


class WriteGuard:
    """Token and size checks for every write (any method but GET/HEAD/OPTIONS).

    ``limits`` maps a path to its body limit; other writes get ``default_limit``. ``open_paths`` need no token
    (the login form itself).
    """

    def __init__(self, app: ASGIApp, *, token: str, limits: dict[str, int], default_limit: int,
                 open_paths: frozenset[str]) -> None:
        self.app, self.token, self.limits = app, token, limits
        self.default_limit, self.open_paths = default_limit, open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = Headers(scope=scope)
        if path not in self.open_paths and not authorised(headers, self.token):
            await refuse(send, 401, "a write needs the token: Authorization: Bearer <token>, or log in at /login",
                         {"WWW-Authenticate": "Bearer"})
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
