"""The ``limiter`` plugin: stay under Spotify's rate limit, and sit out its 429s together.

A token bucket (``rate_per_s``, ``burst``) paces requests before Spotify has to complain;
waiting for a token blocks only the calling worker thread. When Spotify answers 429, a gate
shared by every thread closes for ``Retry-After`` seconds: no request is sent before it opens.
A wait at the gate longer than ``max_wait_s``, or any wait past the request's retry deadline,
fails fast with :class:`~spotify_mcp.errors.RateLimited` instead of hanging (urllib3 would
sleep for up to six hours). With ``redis_url`` the bucket and the gate are in Redis, shared
by every replica (redis_budget.py); otherwise in this process (budget.py).

The limiter counts and waits each 429 once: it returns the 429 marked with
``extensions["rate_limit_gate"]`` and the retry middleware (outer) re-attempts, which waits
here at the gate.
"""

from __future__ import annotations

import functools
import math
import time
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import RateLimited
from spotify_mcp.middleware.limiter.budget import Budget, LocalBudget
from spotify_mcp.middleware.limiter.redis_budget import RedisBudget
from spotify_mcp.pipeline import CallNext, Request, Response
from spotify_mcp.shared_state import redis_client

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from redis import Redis

    from spotify_mcp.config import Config


@functools.cache
def _metrics() -> tuple[Histogram, Counter]:
    """Registered on first use: importing prometheus_client at startup slows tools/list."""
    from prometheus_client import Counter, Histogram

    wait_seconds = Histogram(
        "spotify_mcp_limiter_wait_seconds",
        "Time a request waited for a token and for Spotify's Retry-After before being sent.",
        buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30),
    )
    rate_limited = Counter(
        "spotify_mcp_rate_limited_total", "HTTP 429 answers received from Spotify."
    )
    return wait_seconds, rate_limited


class LimiterSettings(BaseModel):
    rate_per_s: float = Field(10.0, gt=0, description="Sustained requests per second.")
    # 50: one full batch lookup (search_get_items takes 50 references) goes out at once.
    burst: int = Field(50, ge=1, description="Requests that may go at once after a quiet spell.")
    max_wait_s: float = Field(
        20.0, ge=0, description="Longest Retry-After to sit out; longer fails fast."
    )
    default_retry_after_s: float = Field(
        1.0, ge=0, description="Wait after a 429 that carries no Retry-After header."
    )
    # Short: a request waits this long for Redis at worst, then paces itself for a few seconds.
    redis_timeout_s: float = Field(
        0.5, gt=0, description="With redis_url: longest wait for Redis before pacing alone."
    )


class Limiter:
    """The budget plus the 429 gate; see the module docstring."""

    name = "limiter"
    order = 500

    def __init__(self, settings: LimiterSettings, redis: Redis | None = None) -> None:
        """Keeps the budget in this process, or in Redis through ``redis`` when given."""
        self.settings = settings
        rate, burst = settings.rate_per_s, settings.burst
        self.budget: Budget = (
            LocalBudget(rate, burst) if redis is None else RedisBudget(redis, rate, burst)
        )
        self._wait_seconds, self._rate_limited = _metrics()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        wait = self.budget.reserve(*self._limits(request))
        waited = 0.0
        while wait > 0:
            time.sleep(wait)
            waited += wait
            wait = self._gate_wait(request)  # a 429 (on any replica) may have closed it since
        self._wait_seconds.observe(waited)
        response = call_next(request)
        if response.status == 429:
            self._close_gate(request, response)
        return response

    def gate_wait(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        return self.budget.gate_wait()

    def _gate_wait(self, request: Request) -> float:
        wait = self.gate_wait()
        if wait > self._limits(request)[0]:
            raise RateLimited(wait)
        return wait

    def _limits(self, request: Request) -> tuple[float, float]:
        """The longest wait at the gate (``max_wait_s``) and in all: neither may pass the
        request's deadline (a request that needs no wait goes, even past it)."""
        left = math.inf if request.deadline is None else request.deadline - time.monotonic()
        left = max(0.0, left)
        return min(self.settings.max_wait_s, left), left

    def _close_gate(self, request: Request, response: Response) -> None:
        self._rate_limited.inc()
        retry_after = response.retry_after
        if retry_after is None:
            retry_after = self.settings.default_retry_after_s
        self.budget.close_gate(retry_after)
        request.extensions["rate_limit_gate"] = True
        if retry_after > self.settings.max_wait_s:
            raise RateLimited(retry_after)


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return LimiterSettings


@hookimpl
def request_middleware(config: Config) -> Limiter:
    settings = config.section("limiter", LimiterSettings)
    return Limiter(settings, redis_client(config.settings, timeout_s=settings.redis_timeout_s))
