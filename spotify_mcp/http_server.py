"""MCP over Streamable HTTP (``spotify-mcp serve --http``), for running it as a service.

Stateless: every POST is answered on its own (its progress notifications stream back in the
same response), so replicas behind a load balancer need no sticky sessions. MCP is behind a
bearer token when one is set, and one must be set to listen beyond loopback: whoever reaches
the server acts as the logged-in Spotify user. Plugins add open routes beside it (probes,
/metrics) through the ``http_routes`` hook.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import math
import signal
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from loguru import logger
from starlette.responses import JSONResponse
from starlette.routing import Mount

from spotify_mcp.config import HttpSettings
from spotify_mcp.server import build_server

if TYPE_CHECKING:
    from types import FrameType

    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

    from spotify_mcp.app import App


class HttpSetupError(Exception):
    """The HTTP settings cannot be served safely; the message says what to set."""


class CannotListen(Exception):
    """The address is taken, or not this machine's."""


# The hosts for which the SDK checks Host and Origin (DNS rebinding): other loopback
# addresses (127.0.0.2) get no such check, so they need the token too.
_GUARDED_BY_THE_SDK = ("127.0.0.1", "localhost", "::1")
_MIN_TOKEN_CHARS = 16


def check_settings(settings: HttpSettings) -> None:
    token = settings.bearer_token
    if token is not None and len(token.get_secret_value()) < _MIN_TOKEN_CHARS:
        raise HttpSetupError(
            f"http.bearer_token must be at least {_MIN_TOKEN_CHARS} characters "
            "(e.g. openssl rand -hex 32): a blank or short one guards nothing"
        )
    if token is None and settings.host not in _GUARDED_BY_THE_SDK:
        raise HttpSetupError(
            f"listening on {settings.host} without a bearer token would let anyone who reaches "
            "it use your Spotify account: set SPOTIFY_MCP_HTTP__BEARER_TOKEN (or http."
            "bearer_token in config.toml), or listen on 127.0.0.1"
        )


class McpGuard:
    """ASGI middleware for requests under ``path`` (MCP): with a ``token``, each must carry
    ``Authorization: Bearer <token>`` (one such header; the scheme in any case); and any
    method but POST is refused with 405: a GET would open an event stream a stateless server
    never writes to (holding shutdown up for its whole grace period)."""

    def __init__(self, app: ASGIApp, path: str, token: str | None) -> None:
        self.app, self.path = app, path.rstrip("/")
        self.token = None if token is None else token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.guards(scope["path"]):
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def guards(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if self.token is not None and not _authorized(scope["headers"], self.token):
            return JSONResponse(
                {"error": "unauthorized: send the server's token as Authorization: Bearer"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if scope["method"] != "POST":  # GET would open a stream; DELETE ends no session
            return JSONResponse(
                {"error": "this server is stateless: POST each request; it opens no stream"},
                status_code=405,
                headers={"Allow": "POST"},
            )
        return None


def _authorized(headers: list[tuple[bytes, bytes]], token: bytes) -> bool:
    given = [value for name, value in headers if name == b"authorization"]
    scheme, _, credentials = given[0].partition(b" ") if len(given) == 1 else (b"", b"", b"")
    return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), token)


def http_app(app: App, settings: HttpSettings) -> ASGIApp:
    """The ASGI application: MCP at ``settings.path``, plugins' routes beside it."""
    # Routes first: a plugin that fails here is left out of the MCP server too.
    answers = app.plugins.answers("http_routes", app.fail_plugin, app=app)
    token = settings.bearer_token
    starlette: Starlette = build_server(app).streamable_http_app(
        streamable_http_path=settings.path, stateless_http=True, host=settings.host
    )
    guard = McpGuard(starlette, settings.path, token.get_secret_value() if token else None)
    served = {getattr(route, "path", None) for route in starlette.routes}
    for plugin, routes in answers.items():
        for route in routes:
            path = getattr(route, "path", None)
            if isinstance(path, str) and (guard.guards(path) or _mounted_above(route, guard)):
                raise HttpSetupError(
                    f"http.path {settings.path} collides with {plugin}'s {path} (MCP would take "
                    "its requests, or put it behind MCP's token): serve MCP at a path of its own"
                )
            if path in served:
                logger.error("plugin {}: {} is already served; not adding it again", plugin, path)
                continue
            served.add(path)
            starlette.routes.append(route)
    return guard


def _mounted_above(route: object, guard: McpGuard) -> bool:
    """Whether ``route`` is a Mount, which answers everything under it, above MCP's path (a
    plain route above it matches only itself)."""
    return isinstance(route, Mount) and guard.path.startswith(route.path.rstrip("/") + "/")


async def serve_http(app: App, settings: HttpSettings) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers), then stop the plugins."""
    import uvicorn
    from sse_starlette.sse import AppStatus

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if not self.should_exit:  # the first signal: the grace starts
                cut = threading.Timer(settings.shutdown_grace_s, app.calls_cut.set)
                cut.daemon = True
                cut.start()
            super().handle_exit(sig, frame)

    check_settings(settings)
    listening = _listen(settings.host, settings.port)  # before anything starts or is logged
    # sse-starlette would end every event stream at SIGTERM, cutting the calls in flight off
    # their answers; uvicorn's graceful shutdown waits for them instead, for the grace.
    AppStatus.enable_automatic_graceful_drain = False  # what disable_...() does, typed
    app.start()
    try:
        config = uvicorn.Config(
            http_app(app, settings),
            host=settings.host,
            port=settings.port,
            log_config=None,  # uvicorn's records go through our stderr logging
            http=_read_timeout(settings.read_timeout_s),
            timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
        )
        server = Server(config)
        host = f"[{settings.host}]" if ":" in settings.host else settings.host  # IPv6
        logger.info("MCP over HTTP at http://{}:{}{}", host, settings.port, settings.path)
        with _sigterm_after_shutdown_ignored():
            await server.serve(sockets=[listening])
    finally:
        app.close()
        logger.info("stopped")


def _read_timeout(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, closing a connection whose request has not arrived in full
    ``seconds`` after the connection opened or the previous answer: uvicorn has no such
    timeout, so a client trickling its headers or body would hold a connection forever."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class ReadTimeout(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._expect_a_request()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._expect_a_request()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _expect_a_request(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = self.loop.call_later(seconds, self._read_timed_out)

        def _read_timed_out(self) -> None:
            if self.pipeline or self.flow.read_paused:  # uvicorn, not the client, holds it back
                self._expect_a_request()
                return
            cycle = self.cycle  # the last request whose headers arrived
            waiting = cycle is None or cycle.more_body or cycle.response_complete
            if waiting and not self.transport.is_closing():
                logger.info("cut off a client whose request took over {} s to arrive", seconds)
                self.transport.close()

    return ReadTimeout


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such sockets' connections, and
    # without it each answer waits ~40 ms for a delayed ACK (benchmarks/pipeline.py saw it).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return sock


@contextlib.contextmanager
def _sigterm_after_shutdown_ignored() -> Iterator[None]:
    """uvicorn shuts down gracefully on SIGTERM, then raises it again to end the process: the
    shutdown hooks would never run. Ignoring that second one ends the process normally."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
