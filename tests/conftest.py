"""Shared fixtures: the sandbox (real HTTP on 127.0.0.1) and real stdio servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from stdio_server import StdioServer, sandbox_env

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Everything in-process code writes goes to a temporary SPOTIFY_MCP_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("SPOTIFY_MCP_HOME", str(home))
    for name in ("SPOTIFY_ACCESS_TOKEN", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One emulator for the whole run; use ``fresh_sandbox`` to start from seeded state."""
    from spotify_mcp.sandbox import Sandbox

    with Sandbox() as sb:
        yield sb


@pytest.fixture
def fresh_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.reset()
    return sandbox


@pytest.fixture(scope="module")
def server(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StdioServer]:
    """A ``spotify-mcp serve`` subprocess against the sandbox as the premium user, shared by
    a test module (reset the sandbox with ``fresh_sandbox`` where state matters)."""
    home = tmp_path_factory.mktemp("server-home")
    with StdioServer(env=sandbox_env(sandbox), home=home) as running:
        yield running


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A private ``redis-server`` on a free port for the run (nothing persisted); its URL."""
    import shutil
    import subprocess
    import time

    import redis
    from stdio_server import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed; Debian/Ubuntu: "
            "apt-get install -y --no-install-recommends redis-server (.ci/run does)"
        )
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The run's Redis, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushdb()
    return redis_server
