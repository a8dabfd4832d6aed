"""`Sandbox`: the emulator served by uvicorn in a daemon thread, and `serve()` for the CLI.

uvicorn and starlette are imported only when a sandbox starts, so importing this package
stays cheap for the MCP server that only needs it with --sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from .seed import PREMIUM_USER
from .settings import Settings
from .tokens import TokenStore, parse_scopes

if TYPE_CHECKING:
    import uvicorn

    from .runtime import Runtime

T = TypeVar("T")
START_TIMEOUT_S = 10.0


class Sandbox:
    """A Spotify Web API emulator on 127.0.0.1; `with Sandbox() as sb:` starts and stops it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        rate_limit: int | None = None,
        token_ttl_s: int = 3600,
    ) -> None:
        self.host = host
        self.port = port
        self.settings = Settings(latency_ms, rate_limit, token_ttl_s)
        self.tokens = TokenStore()
        self._runtime: Runtime | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1"

    def _prepare(self) -> tuple[uvicorn.Server, socket.socket]:
        """Bind the socket (so the port is known), build the runtime and the server."""
        import uvicorn

        from .app import build_app
        from .runtime import Runtime

        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it every response waits on a delayed ACK (~40 ms).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._runtime = Runtime(self.api_url, self.settings, self.tokens)
        config = uvicorn.Config(
            build_app(self._runtime),
            log_level="warning",
            log_config=None,  # leave the host process's logging alone
            access_log=False,
            lifespan="off",
            proxy_headers=False,
            server_header=False,
            date_header=False,
            timeout_graceful_shutdown=1,
        )
        return uvicorn.Server(config), sock

    async def _serve(
        self, server: uvicorn.Server, sock: socket.socket, ready: Callable[[], None]
    ) -> None:
        self._loop = asyncio.get_running_loop()
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.005)
        ready()
        await task

    def start(self) -> Sandbox:
        """Serve in a daemon thread; returns once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        server, sock = self._prepare()
        started = threading.Event()
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(server, sock, started.set)),
            name=f"spotify-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        if not started.wait(START_TIMEOUT_S) or not server.started:
            self.stop()
            raise RuntimeError(f"the sandbox did not start on {self.base_url}")
        return self

    def stop(self) -> None:
        """Shut the server down and join its thread (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = self._loop = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- Python equivalents of the admin API (run on the server's event loop) --------------

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("start the sandbox first")
        return self._runtime

    def _on_loop(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the event loop that owns the state (directly when it is not running)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or threading.current_thread() is thread:
            return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(START_TIMEOUT_S)

    def token(
        self,
        user: str = PREMIUM_USER,
        expires_in: int | None = None,
        scopes: str | list[str] | None = None,
    ) -> str:
        """An access token for a seeded user (all scopes unless `scopes` is given)."""
        granted = parse_scopes(scopes)
        minted = self._on_loop(lambda: self.runtime.mint_token(user, expires_in, granted))
        return str(minted["access_token"])

    def reset(self) -> None:
        """Back to the seeded state, like `POST /_sandbox/reset`."""
        self._on_loop(self.runtime.reset)

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule, like `POST /_sandbox/faults`; returns the stored rule."""
        return self._on_loop(lambda: self.runtime.faults.add(rule).as_json())

    def clear_faults(self) -> None:
        self._on_loop(self.runtime.faults.clear)

    def requests(self) -> list[dict[str, Any]]:
        """Every request received so far, like `GET /_sandbox/requests`."""
        return self._on_loop(lambda: [dict(entry) for entry in self.runtime.log.entries])

    def clear_requests(self) -> None:
        self._on_loop(self.runtime.log.clear)

    def revoke(
        self, user: str | None = None, refresh_token: str | None = None, access_tokens: bool = False
    ) -> dict[str, int]:
        """Revoke refresh tokens (so refreshing fails with invalid_grant), like POST /revoke."""
        return self._on_loop(lambda: self.runtime.revoke(user, refresh_token, access_tokens))

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change latency_ms, rate_limit, token_ttl_s or login_user, like PATCH /config."""
        return self._on_loop(lambda: self.runtime.configure(changes))


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    latency_ms: int = 0,
    rate_limit: int | None = None,
    on_ready: Callable[[str], None] | None = None,
    token_ttl_s: int = 3600,
) -> None:
    """Serve in the calling thread until Ctrl-C (or SIGTERM); `on_ready(base_url)` once
    listening. uvicorn shuts down gracefully, then re-raises the signal: Ctrl-C returns."""
    sandbox = Sandbox(host, port, latency_ms, rate_limit, token_ttl_s)
    server, sock = sandbox._prepare()

    def ready() -> None:
        if server.started and on_ready is not None:
            on_ready(sandbox.base_url)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(sandbox._serve(server, sock, ready))
