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
