"""Helpers for the cache, metrics, health and monitoring tests: cached sessions against the
sandbox, stdio servers with /metrics, and promtool."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from spotify_mcp.auth import StaticToken
from spotify_mcp.middleware.cache.store import ResponseCache
from spotify_mcp.pipeline import CallNext, Middleware, Request, Response
from spotify_mcp.sandbox import PREMIUM_USER
from spotify_mcp.session import Spotify, build_session

if TYPE_CHECKING:
    from redis import Redis

    from spotify_mcp.sandbox import Sandbox

#: Long enough that nothing expires during a test: freshness comes from invalidation only.
LONG_TTL = dict.fromkeys(("catalog", "profile", "playlists", "library", "player"), 3600.0)
PROMTOOL_MISSING = (
    "promtool is not installed. Install it with "
    "`apt-get update && apt-get install -y --no-install-recommends prometheus` "
    "(Debian/Ubuntu; .ci/run does this), or put Prometheus' promtool on PATH."
)


def cached_session(
    sb: Sandbox,
    directory: Path,
    user: str = PREMIUM_USER,
    *,
    ttl: dict[str, float] = LONG_TTL,
    inner: Sequence[Middleware] = (),
    outer: Sequence[Middleware] = (),
    redis: Redis | None = None,
    size_limit: int = 2**28,
) -> tuple[Spotify, ResponseCache]:
    """A session for ``user`` whose chain is ``outer`` -> the cache -> ``inner``; the cache
    keeps replies in ``directory``, or in Redis through ``redis``."""
    cache = ResponseCache(directory, ttl, size_limit=size_limit, redis=redis)
    credentials = StaticToken(sb.token(user, expires_in=10**7), user)
    return build_session([*outer, cache, *inner], credentials, sb.api_url), cache


class HoldReplies:
    """Inside the cache: holds GET replies of ``path`` until released, to let a mutation
    happen between Spotify answering a read and the cache seeing the answer."""

    name, order = "hold", 250

    def __init__(self, path: str) -> None:
        self.path = path
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held = 0  # replies held so far

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = call_next(request)
        if request.method == "GET" and request.path == self.path:
            self.held += 1
            self.holding.set()
            assert self.release.wait(30)
        return response


def scrape(port: int) -> str:
    reply = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    reply.raise_for_status()
    return reply.text


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool; fails the test (not skips) with install instructions when it is missing."""
    executable = shutil.which("promtool")
    assert executable is not None, PROMTOOL_MISSING
    return subprocess.run(
        [executable, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def assert_scraped_without_sizes() -> None:
    """A cache that cannot be measured leaves its size out of the scrape (a gap in the graph,
    not a fall to 0), and the scrape, with every other metric, still works."""
    from prometheus_client import REGISTRY, generate_latest

    scraped = generate_latest(REGISTRY).decode()
    assert "spotify_mcp_cache_hits_total" in scraped
    assert REGISTRY.get_sample_value("spotify_mcp_cache_entries") is None
    assert REGISTRY.get_sample_value("spotify_mcp_cache_size_bytes") is None
