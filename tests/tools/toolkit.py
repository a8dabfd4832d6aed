"""Helpers for the tool-group tests: the Web API operations of operations.tsv, and the
sandbox's request log read as those operations."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs

import pytest

if TYPE_CHECKING:
    from stdio_server import StdioServer

    from spotify_mcp.sandbox import Sandbox

T = TypeVar("T")
SPEC_ENV = "SPOTIFY_OPENAPI_SPEC"
DEFAULT_SPEC = Path(__file__).resolve().parents[2].parent / "shared/spotify-web-api/openapi.yml"
#: A server without the cache, so every read reaches the sandbox (exact counts, faults met),
#: and with a limiter that never throttles the suite.
UNCACHED = {
    "SPOTIFY_MCP_PLUGINS__DISABLED": '["cache"]',
    "SPOTIFY_MCP_LIMITER__RATE_PER_S": "1000",
    "SPOTIFY_MCP_LIMITER__BURST": "100",
}


def operations_file() -> Path:
    """operations.tsv, next to the spec the sandbox's conformance tests read."""
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC).with_name("operations.tsv")


@cache
def _rows() -> list[dict[str, str]]:
    path = operations_file()
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: point {SPEC_ENV} at the openapi.yml of the Spotify Web API "
            "folder that holds operations.tsv (../shared/spotify-web-api)"
        )
    header, *lines = path.read_text().splitlines()
    names = header.split("\t")
    return [dict(zip(names, line.split("\t"), strict=False)) for line in lines if line]


def current_operations() -> list[str]:
    """The operations Spotify still serves to development-mode apps, as ``GET /me``."""
    return [f"{row['method']} {row['path']}" for row in _rows() if row["deprecated"] == "false"]


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(re.sub(r"\{[^}]+\}", "[^/]+", row["path"]) + "$"), row["path"])
        for row in _rows()
    ]


def operation_of(method: str, path: str) -> str:
    """``GET /v1/albums/abc/tracks/`` -> ``GET /albums/{id}/tracks`` (unknown paths kept)."""
    relative = path.removeprefix("/v1").rstrip("/") or "/"
    for pattern, template in _templates():
        if pattern.match(relative):
            return f"{method} {template}"
    return f"{method} {relative}"


def operations_hit(sandbox: Sandbox, action: Callable[[], T]) -> tuple[T, list[str]]:
    """Run ``action``; return its result and the operations the sandbox received meanwhile."""
    sandbox.clear_requests()
    result = action()
    return result, [operation_of(e["method"], e["path"]) for e in sandbox.requests()]


def queries(sandbox: Sandbox) -> list[dict[str, list[str]]]:
    """The parsed query string of each request the sandbox received, oldest first."""
    return [parse_qs(entry["query"]) for entry in sandbox.requests()]


def uri(kind: str, ident: str) -> str:
    return f"spotify:{kind}:{ident}"


def assert_refused(server: StdioServer, sandbox: Sandbox, tool: str, args: dict[str, Any]) -> str:
    """The call fails before any request reaches Spotify; returns the error text."""
    message = server.call_error(tool, args)
    assert sandbox.requests() == [], f"{tool}({args}) reached Spotify"
    return message
