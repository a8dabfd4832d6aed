"""Fixtures of the sandbox's own tests: one emulator per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_helpers import COVERAGE, Api

from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.settings import Settings


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sb(sandbox_server: Sandbox) -> Sandbox:
    """The session's sandbox in its seeded state, with default settings."""
    defaults = Settings()
    sandbox_server.configure(
        latency_ms=defaults.latency_ms,
        rate_limit=defaults.rate_limit,
        token_ttl_s=defaults.token_ttl_s,
        login_user=PREMIUM_USER,
    )
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def api(sb: Sandbox) -> Api:
    """The premium user with every scope."""
    return Api(sb, sb.token())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    current = COVERAGE["current"]
    if current:
        covered = len(COVERAGE["covered"] & current)
        terminalreporter.write_line(
            f"sandbox conformance: {covered} of {len(current)} current operations covered"
        )
