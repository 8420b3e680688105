"""The gate in front of every `/v1` route: app key, rate limit, body size — before any body is parsed.

In: the ASGI request. Out: the request passes on (with the key's name in `scope["state"]["app_key"]`), or
is answered here: 401 for a missing, wrong or revoked key (no detail, whatever the cause), 429 with
`Retry-After` when the key's bucket is empty, 413 when the body is over the limit.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.collector import keys
from core.collector.ratelimit import RateLimiter
from core.db import session_scope

PROTECTED_PREFIX = "/v1/"


class CollectorGuard:
    def __init__(
        self, app: ASGIApp, *, engine: Callable[[], Engine], limiter: RateLimiter, max_body_bytes: int
    ) -> None:
        self.app = app
        self._engine = engine
        self._limiter = limiter
        self._max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        key_name = await self._authenticate(headers.get("authorization", ""))
        if key_name is None:
            await _answer(send, 401, {"detail": "unauthorized"}, {"www-authenticate": "Bearer"})
            return
        wait = self._limiter.acquire(key_name)
        if wait:
            await _answer(send, 429, {"detail": "rate limit exceeded"}, {"retry-after": str(wait)})
            return
        scope.setdefault("state", {})["app_key"] = key_name
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self._max_body:
            await _answer(send, 413, {"detail": f"the request body is over {self._max_body} bytes"})
            return
        if length is None and scope["method"] in ("POST", "PUT", "PATCH"):
            body = await _read_body(receive, self._max_body)
            if body is None:
                await _answer(send, 413, {"detail": f"the request body is over {self._max_body} bytes"})
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _authenticate(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None

        def lookup() -> str | None:
            with session_scope(self._engine()) as session:
                return keys.authenticate(token.strip(), session=session)

        return await run_in_threadpool(lookup)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body of a request without Content-Length, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (so disconnects are still seen)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _answer(
    send: Send, status: int, body: dict[str, str], headers: dict[str, str] | None = None
) -> None:
    content = orjson.dumps(body)
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    raw_headers += [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})
