"""The outermost ASGI layer: request log, injected faults, rate limit, latency, trailing slashes.

It must stay outermost and pure ASGI: dropping a connection needs uvicorn's own `send`, a
bound method of the connection's request cycle, whose `transport` can be aborted.
"""

from __future__ import annotations

import asyncio
import http
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .endpoint import JSON_TYPE
from .errors import error_body
from .faults import FaultRule
from .runtime import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/_sandbox"
API_PREFIX = "/v1/"


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, rt: Runtime) -> None:
        self.app = app
        self.rt = rt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        if len(path) > 1 and path.endswith("/"):  # spotipy sends e.g. /v1/me/ and .../tracks/
            path = path.rstrip("/")
            scope = {**scope, "path": path}
        rt = self.rt
        method: str = scope["method"]
        entry = rt.log.record(method, path, scope["query_string"].decode("latin-1"), time.time())

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        rule = rt.faults.take(method, path)
        if rule is not None:
            entry["fault"] = rule.id
            if await self._fault(rule, scope, receive, send, logged_send):
                return
        is_api = path.startswith(API_PREFIX)
        if is_api:
            retry_after = rt.window.admit(rt.settings.rate_limit, time.monotonic())
            if retry_after is not None:
                body = error_body(429, "API rate limit exceeded")
                await _reply(logged_send, 429, body, {"retry-after": str(retry_after)})
                return
            if rt.settings.latency_ms:
                await asyncio.sleep(rt.settings.latency_ms / 1000)
        await self.app(scope, receive, logged_send)

    async def _fault(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, logged_send: Send
    ) -> bool:
        """Play `rule`; True when it answered (or dropped) the request itself."""
        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        if rule.apply:  # the request takes effect; its response is lost on the way back
            await self.app(scope, receive, _discard)
        if rule.drop_connection:
            await _drop_connection(send)
            return True
        if rule.status is None:
            return False  # a latency-only rule: carry on as usual
        message = rule.message or http.HTTPStatus(rule.status).phrase
        headers = {} if rule.retry_after is None else {"retry-after": str(rule.retry_after)}
        body = error_body(rule.status, message, rule.reason)
        await _reply(logged_send, rule.status, body, headers)
        return True


async def _discard(message: Message) -> None:
    return None


async def _reply(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw_headers = [
        (b"content-type", JSON_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((key.encode(), value.encode()) for key, value in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(send: Send) -> None:
    """Close the TCP connection without a response (the client sees a reset)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("drop_connection needs uvicorn's own send callable")
    transport.abort()
    # Let the loop run connection_lost, so uvicorn knows the client is gone and does not
    # try to answer 500 for an app that returned without a response.
    await asyncio.sleep(0)
