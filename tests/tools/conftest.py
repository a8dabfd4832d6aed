"""Fixtures of the tool-group tests (helpers live in toolkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from stdio_server import StdioServer, sandbox_env
from toolkit import UNCACHED

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox


@pytest.fixture(scope="module")
def uncached(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StdioServer]:
    """A server as the premium user without the cache plugin, shared by a test module:
    every read reaches the sandbox, so request counts are exact and faults are met."""
    home = tmp_path_factory.mktemp("uncached-home")
    with StdioServer(env={**sandbox_env(sandbox), **UNCACHED}, home=home) as running:
        yield running


@pytest.fixture
def sb(fresh_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox in its seeded state with an empty request log; faults added by the test
    are removed after it."""
    fresh_sandbox.clear_faults()
    fresh_sandbox.clear_requests()
    yield fresh_sandbox
    fresh_sandbox.clear_faults()
