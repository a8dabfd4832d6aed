"""A real ``spotify-mcp serve`` subprocess driven by the official mcp client over stdio.

Synchronous on the outside (an anyio blocking portal runs the client), so tests stay plain
functions and one server can be shared by a whole module or session.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from subprocess import CompletedProcess
from typing import TYPE_CHECKING, Any, ClassVar

from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import CallToolResult

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox


class ServerProcess:
    """A ``spotify-mcp serve`` subprocess and an mcp client connected to it; the calls."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.log_path = home / "server.log"
        self._stack = ExitStack()
        self.portal: BlockingPortal
        self.client: Client

    def enter_async(self, manager: Any) -> Any:
        """Enter an async context manager on the portal (started on first use) until exit."""
        if not hasattr(self, "portal"):
            self.portal = self._stack.enter_context(start_blocking_portal())
        return self._stack.enter_context(self.portal.wrap_async_context_manager(manager))

    def connect(self, transport: Any) -> None:
        self.client = self.enter_async(Client(transport, read_timeout_seconds=60))

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # -- calls ------------------------------------------------------------------------

    def call(
        self, name: str, arguments: dict[str, Any] | None = None, **kwargs: Any
    ) -> CallToolResult:
        return self.portal.call(self.client.call_tool, name, {**(arguments or {}), **kwargs})

    def call_ok(self, name: str, arguments: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """The structured result of a call that must succeed."""
        result = self.call(name, arguments, **kwargs)
        assert not result.is_error, f"{name} failed: {text_of(result)}"
        return result.structured_content

    def call_error(self, name: str, arguments: dict[str, Any] | None = None, **kwargs: Any) -> str:
        """The error text of a call that must fail."""
        result = self.call(name, arguments, **kwargs)
        assert result.is_error, f"{name} should have failed: {text_of(result)}"
        return text_of(result)

    def call_with_progress(
        self, name: str, arguments: dict[str, Any]
    ) -> tuple[CallToolResult, list[tuple[float, float | None, str | None]]]:
        """A call that asks for progress, and the progress notifications it got, in order."""
        seen: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            seen.append((done, total, message))

        async def call() -> CallToolResult:
            return await self.client.call_tool(name, arguments, progress_callback=on_progress)

        return self.portal.call(call), seen

    def gather(self, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
        """Run tool calls concurrently over the one connection."""
        import anyio

        async def run_all() -> list[CallToolResult]:
            results: list[CallToolResult | None] = [None] * len(calls)

            async def one(i: int, name: str, arguments: dict[str, Any]) -> None:
                results[i] = await self.client.call_tool(name, arguments)

            async with anyio.create_task_group() as group:
                for i, (name, arguments) in enumerate(calls):
                    group.start_soon(one, i, name, arguments)
            return [r for r in results if r is not None]

        return self.portal.call(run_all)

    def list_tools(self) -> list[Any]:
        return self.portal.call(self.client.list_tools).tools

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


class StdioServer(ServerProcess):
    """``with StdioServer(env=..., home=tmp_path) as server: server.call_ok("server_info")``"""

    def __init__(self, *args: str, env: dict[str, str] | None = None, home: Path) -> None:
        super().__init__(home)
        self.params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "spotify_mcp", "serve", *args],
            env={"SPOTIFY_MCP_HOME": str(home), **(env or {})},
        )

    def __enter__(self) -> StdioServer:
        try:
            log = self._stack.enter_context(self.log_path.open("a"))
            # A transport rather than the parameters, to send the server's stderr to a file.
            self.connect(stdio_client(self.params, errlog=log))
        except BaseException:
            self._stack.close()
            raise
        return self


class HttpServer(ServerProcess):
    """``spotify-mcp serve --http`` on a free port, with a bearer token; the client sends it.
    ``url(path)`` for plain requests. Stopped with SIGTERM; ``returncode`` says how it ended."""

    TOKEN = "test-bearer-token"

    def __init__(
        self, *args: str, env: dict[str, str] | None = None, home: Path, connect: bool = True
    ) -> None:
        super().__init__(home)
        self.with_client = connect  # False: plain HTTP only (a test that stops the server)
        self.port = free_port()
        self.command = [sys.executable, "-m", "spotify_mcp", "serve", "--http", *args]
        self.command += ["--port", str(self.port)]
        self.env = {
            **os.environ,
            "SPOTIFY_MCP_HOME": str(home),
            "SPOTIFY_MCP_HTTP__BEARER_TOKEN": self.TOKEN,
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes]
        self.returncode: int | None = None

    def url(self, path: str = "/mcp") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HttpServer:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        log = self._stack.enter_context(self.log_path.open("a"))
        self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=log)
        self._stack.callback(self._stop)
        try:
            self._wait_until_listening()
            if not self.with_client:
                return self
            auth = {"Authorization": f"Bearer {self.TOKEN}"}
            http = self.enter_async(httpx2.AsyncClient(headers=auth, timeout=60))
            self.connect(streamable_http_client(self.url(), http_client=http))
        except BaseException:
            self._stack.close()
            raise
        return self

    def _wait_until_listening(self) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited {self.process.returncode}: {self.log_text()}"
                )
            try:
                requests.get(self.url("/healthz"), timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not listen within 60 s: {self.log_text()}")

    def _stop(self) -> None:
        self.process.terminate()
        try:
            self.returncode = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.returncode = self.process.wait()


class RawStdio:
    """``spotify-mcp serve`` driven line by line, without a client: for what a client would
    never send, or would hide. ``with RawStdio(home=...) as raw: raw.send(...); raw.receive()``"""

    HELLO: ClassVar[dict[str, Any]] = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    }

    def __init__(self, *args: str, env: dict[str, str] | None = None, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / "server.log"
        with self.log_path.open("a") as log:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, "-m", "spotify_mcp", "serve", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, **(env or {}), "SPOTIFY_MCP_HOME": str(home)},
                preexec_fn=_default_sigint,
            )

    def __enter__(self) -> RawStdio:
        return self

    def __exit__(self, *exc: object) -> None:
        with self.process:
            assert self.process.stdin
            if not self.process.stdin.closed:
                self.process.stdin.close()
            self.process.wait(timeout=30)

    def send(self, message: dict[str, Any] | str) -> None:
        """One line: a message, or any text as it is."""
        assert self.process.stdin
        self.process.stdin.write(message if isinstance(message, str) else json.dumps(message))
        self.process.stdin.write("\n")
        self.process.stdin.flush()

    def receive(self) -> Any:
        assert self.process.stdout
        return json.loads(self.process.stdout.readline())

    def close_and_read(self) -> list[Any]:
        """Close stdin, as a client that is done; every message written after that."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()
        messages = [json.loads(line) for line in self.process.stdout]
        self.process.wait(timeout=30)
        return messages

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def initialize(self) -> None:
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": self.HELLO})
        assert self.receive()["id"] == 0
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})


def _default_sigint() -> None:
    """Run by the child: a shell's background job inherits SIGINT ignored, and a server
    respects that, so tests that send SIGINT would test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def text_of(result: CallToolResult) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def structured(result: CallToolResult) -> Any:
    return (
        result.structured_content
        if result.structured_content is not None
        else json.loads(text_of(result))
    )


def sandbox_env(sb: Sandbox, user: str | None = None) -> dict[str, str]:
    """Environment that points a server at ``sb``, logged in as ``user`` (default premium)."""
    from spotify_mcp.sandbox import PREMIUM_USER

    user = user or PREMIUM_USER
    return {
        "SPOTIFY_API_BASE_URL": sb.api_url,
        "SPOTIFY_ACCOUNTS_BASE_URL": sb.base_url,
        "SPOTIFY_ACCESS_TOKEN": sb.token(user, expires_in=10**7),
    }


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, input: str | None = None
) -> CompletedProcess[str]:
    """Run ``spotify-mcp ARGS`` as a subprocess with this process's environment (+ ``env``),
    ``input`` on its stdin if given."""
    return subprocess.run(
        [sys.executable, "-m", "spotify_mcp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        input=input,
        check=False,
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_request(sb: Sandbox, path: str, timeout: float = 30, count: int = 1) -> None:
    """Until the sandbox has received ``count`` requests for ``path`` (e.g. ``/v1/me``)."""
    give_up = time.monotonic() + timeout
    while sum(entry["path"] == path for entry in sb.requests()) < count:
        assert time.monotonic() < give_up, f"no {count} requests for {path} within {timeout:g} s"
        time.sleep(0.02)
