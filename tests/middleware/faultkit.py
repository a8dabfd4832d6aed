"""Helpers for the resilience tests: the sandbox's admin API (faults, request log) and
Spotify sessions built with chosen middleware, sending real HTTP to the sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from prometheus_client import REGISTRY

from spotify_mcp.auth import StaticToken
from spotify_mcp.middleware.breaker import Breaker, BreakerSettings
from spotify_mcp.middleware.limiter import Limiter, LimiterSettings
from spotify_mcp.middleware.retry import Retry, RetrySettings
from spotify_mcp.pipeline import Middleware, order_middleware
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.session import Spotify, build_session

if TYPE_CHECKING:
    from redis import Redis

#: Test settings: short delays keep the suite fast; a generous bucket never throttles.
FAST: dict[str, dict[str, Any]] = {
    "retry": {"base_delay_s": 0.01, "max_delay_s": 0.05},
    "breaker": {"failure_threshold": 5, "cooldown_s": 0.5},
    "limiter": {"rate_per_s": 1000.0, "burst": 100},
}
#: plugin -> (its settings, the Redis replicas share or None) -> the middleware
_BUILDERS: dict[str, Callable[[dict[str, Any], Redis | None], Middleware]] = {
    "retry": lambda s, _: Retry(RetrySettings(**s)),
    "breaker": lambda s, _: Breaker(BreakerSettings(**s)),
    "limiter": lambda s, redis: Limiter(LimiterSettings(**s), redis),
}


@dataclass
class SandboxAdmin:
    """``/_sandbox/faults`` and ``/_sandbox/requests`` of one running sandbox."""

    base_url: str
    http: requests.Session = field(default_factory=requests.Session)

    def fault(self, path: str, method: str = "GET", **rule: Any) -> None:
        """Add a fault rule; ``path`` is relative to /v1 (a glob)."""
        body = {"method": method, "path": f"/v1{path}", **rule}
        self.http.post(f"{self.base_url}/_sandbox/faults", json=body).raise_for_status()

    def log(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Requests the sandbox received, oldest first, optionally for one /v1 path."""
        entries = self.http.get(f"{self.base_url}/_sandbox/requests").json()
        return [
            e
            for e in entries
            if (path is None or e["path"] == f"/v1{path}") and method in (None, e["method"])
        ]

    def clear(self) -> None:
        self.http.delete(f"{self.base_url}/_sandbox/faults").raise_for_status()
        self.http.delete(f"{self.base_url}/_sandbox/requests").raise_for_status()


@dataclass
class Pipeline:
    """A Spotify session whose requests run through ``middleware`` (by plugin name)."""

    spotify: Spotify
    middleware: dict[str, Middleware]

    @property
    def retry(self) -> Retry:
        return self._get("retry", Retry)

    @property
    def breaker(self) -> Breaker:
        return self._get("breaker", Breaker)

    @property
    def limiter(self) -> Limiter:
        return self._get("limiter", Limiter)

    def _get(self, name: str, kind: type[Any]) -> Any:
        middleware = self.middleware[name]
        assert isinstance(middleware, kind)
        return middleware


def build_pipeline(
    sb: Sandbox,
    *,
    without: tuple[str, ...] = (),
    timeout: float = 10.0,
    redis: Redis | None = None,
    **settings: Any,
) -> Pipeline:
    """retry, breaker and limiter (minus ``without``) with :data:`FAST` settings updated by
    ``settings`` (``retry={"max_attempts": 1}``), as the premium user; the limiter keeps its
    budget in ``redis`` when given (a replica)."""
    middleware = {
        name: build({**FAST[name], **settings.get(name, {})}, redis)
        for name, build in _BUILDERS.items()
        if name not in without
    }
    credentials = StaticToken(sb.token(PREMIUM_USER, expires_in=10**7), PREMIUM_USER)
    chain = order_middleware(middleware.values())
    return Pipeline(build_session(chain, credentials, sb.api_url, timeout), middleware)


def bare(sb: Sandbox) -> Spotify:
    """A session without middleware: what the sandbox really holds."""
    return build_pipeline(sb, without=("retry", "breaker", "limiter")).spotify


def track_uris(sb: Sandbox, offset: int, count: int = 3) -> list[str]:
    """URIs of real catalogue tracks (the sandbox checks that added items exist)."""
    found = bare(sb).search("a", type="track", limit=count, offset=offset)
    return [track["uri"] for track in found["tracks"]["items"]]


def playlist_uris(sb: Sandbox, playlist_id: str, offset: int = 0, limit: int = 50) -> list[str]:
    items = bare(sb).playlist_items(playlist_id, limit=limit, offset=offset)["items"]
    return [entry["item"]["uri"] for entry in items]


def server_env(sb: Sandbox, **settings: dict[str, Any]) -> dict[str, str]:
    """Environment for ``spotify-mcp serve`` against ``sb`` as the premium user, with plugin
    ``settings`` as ``SPOTIFY_MCP_<PLUGIN>__<KEY>`` variables."""
    env = {
        "SPOTIFY_API_BASE_URL": sb.api_url,
        "SPOTIFY_ACCOUNTS_BASE_URL": sb.base_url,
        "SPOTIFY_ACCESS_TOKEN": sb.token(PREMIUM_USER, expires_in=10**7),
    }
    for plugin, values in settings.items():
        env.update({f"SPOTIFY_MCP_{plugin}__{k}".upper(): str(v) for k, v in values.items()})
    return env


def metric(name: str, **labels: str) -> float:
    """The current value of a sample in the default Prometheus registry (0 if absent)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, every: float = 0.005) -> None:
    """Poll ``condition`` every ``every`` seconds until it holds; fail instead of hanging."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, "condition not reached in time"
        time.sleep(every)


def in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once in threads; their results (or exceptions), in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a call hung"
    return results


#: Two slots a second, one at a time: a second request waits 0.5 s for its slot.
SLOW_LIMITER = {"rate_per_s": 2.0, "burst": 1}


def assert_a_429_holds_a_request_already_waiting(
    admin: SandboxAdmin, hit: Pipeline, waiting: Pipeline
) -> None:
    """``hit`` meets a 429 (Retry-After 1 s) that leaves the sandbox 0.3 s after its request
    arrived: time for a request of ``waiting`` (limiter :data:`SLOW_LIMITER`) to take the next
    slot and sleep for it before the gate closes. That request must wait out the 429 too."""
    admin.fault("/me", status=429, retry_after=1, latency_ms=300)
    limited = threading.Thread(target=hit.spotify.me)
    limited.start()
    wait_until(lambda: bool(admin.log("/me")))
    waiting.spotify.current_user_playlists(limit=1)
    limited.join(timeout=20)
    first = admin.log("/me")[0]
    (sent,) = admin.log("/me/playlists")
    assert sent["time"] >= first["time"] + 1
