"""A real ``spotify-mcp serve`` subprocess driven by the official mcp client over stdio.

Synchronous on the outside (an anyio blocking portal runs the client), so tests stay plain
functions and one server can be shared by a whole module or session.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
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


class StdioServer:
    """``with StdioServer(env=..., home=tmp_path) as server: server.call_ok("server_info")``"""

    def __init__(self, *args: str, env: dict[str, str] | None = None, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.log_path = home / "server.log"
        self.params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "spotify_mcp", "serve", *args],
            env={"SPOTIFY_MCP_HOME": str(home), **(env or {})},
        )
        self._stack = ExitStack()
        self.portal: BlockingPortal
        self.client: Client

    def __enter__(self) -> StdioServer:
        try:
            log = self._stack.enter_context(self.log_path.open("a"))
            self.portal = self._stack.enter_context(start_blocking_portal())
            # A transport rather than the parameters, to send the server's stderr to a file.
            client = Client(stdio_client(self.params, errlog=log), read_timeout_seconds=60)
            self.client = self._stack.enter_context(self.portal.wrap_async_context_manager(client))
        except BaseException:
            self._stack.close()
            raise
        return self

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


class RawStdio:
    """``spotify-mcp serve`` driven line by line, without a client: for what a client would
    never send, or would hide. ``with RawStdio(home=...) as raw: raw.send(...); raw.receive()``"""

    HELLO: ClassVar[dict[str, Any]] = {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    }

    def __init__(self, *args: str, env: dict[str, str] | None = None, home: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spotify_mcp", "serve", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {}), "SPOTIFY_MCP_HOME": str(home)},
        )

    def __enter__(self) -> RawStdio:
        return self

    def __exit__(self, *exc: object) -> None:
        with self.process:
            assert self.process.stdin
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

    def initialize(self) -> None:
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": self.HELLO})
        assert self.receive()["id"] == 0
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})


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
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> CompletedProcess[str]:
    """Run ``spotify-mcp ARGS`` as a subprocess with this process's environment (+ ``env``)."""
    return subprocess.run(
        [sys.executable, "-m", "spotify_mcp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
