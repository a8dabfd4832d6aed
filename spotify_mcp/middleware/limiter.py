"""The ``limiter`` plugin: stay under Spotify's rate limit, and sit out its 429s together.

A token bucket (``rate_per_s``, ``burst``) paces requests before Spotify has to complain;
waiting for a token blocks only the calling worker thread. When Spotify answers 429, a gate
shared by every thread closes for ``Retry-After`` seconds: no request is sent before it opens.
A wait longer than ``max_wait_s`` fails fast with :class:`~spotify_mcp.errors.RateLimited`
instead of hanging (urllib3 would sleep for up to six hours).

The limiter counts and waits each 429 once: it returns the 429 marked with
``extensions["rate_limit_gate"]`` and the retry middleware (outer) re-attempts, which waits
here at the gate.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import RateLimited
from spotify_mcp.pipeline import CallNext, Request, Response

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

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


class TokenBucket:
    """Reserve-then-sleep token bucket: the balance may go negative, and each caller sleeps
    until its own token has accrued, so waiting callers are served in arrival order."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._refilled_at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token, sleeping until it is there; returns the seconds slept."""
        with self._lock:
            now = time.monotonic()
            if now > self._refilled_at:
                elapsed = now - self._refilled_at
                self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
                self._refilled_at = now
            self._tokens -= 1
            wait = self._refilled_at - now + max(0.0, -self._tokens) / self.rate
        if wait > 0:
            time.sleep(wait)
        return max(0.0, wait)

    def pause_until(self, moment: float) -> None:
        """Empty the bucket and refill it only from ``moment``: no burst right after a 429."""
        with self._lock:
            self._tokens = min(self._tokens, 0.0)
            self._refilled_at = max(self._refilled_at, moment)


class Limiter:
    """Token bucket plus the shared 429 gate; see the module docstring."""

    name = "limiter"
    order = 500

    def __init__(self, settings: LimiterSettings) -> None:
        self.settings = settings
        self.bucket = TokenBucket(settings.rate_per_s, settings.burst)
        self._gate_opens_at = 0.0  # monotonic time before which nothing is sent
        self._lock = threading.Lock()
        self._wait_seconds, self._rate_limited = _metrics()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        waited = self._wait_at_gate(request)
        waited += self.bucket.take()
        waited += self._wait_at_gate(request)  # a 429 may have closed it during the token wait
        self._wait_seconds.observe(waited)
        response = call_next(request)
        if response.status == 429:
            self._close_gate(request, response)
        return response

    def gate_wait(self) -> float:
        """Seconds until the gate opens (0 when open)."""
        with self._lock:
            return max(0.0, self._gate_opens_at - time.monotonic())

    def _wait_at_gate(self, request: Request) -> float:
        waited = 0.0
        while (wait := self.gate_wait()) > 0:
            past_deadline = request.deadline and time.monotonic() + wait > request.deadline
            if wait > self.settings.max_wait_s or past_deadline:
                raise RateLimited(wait)
            time.sleep(wait)
            waited += wait
        return waited

    def _close_gate(self, request: Request, response: Response) -> None:
        self._rate_limited.inc()
        retry_after = response.retry_after
        if retry_after is None:
            retry_after = self.settings.default_retry_after_s
        opens_at = time.monotonic() + retry_after
        with self._lock:
            self._gate_opens_at = max(self._gate_opens_at, opens_at)
        request.extensions["rate_limit_gate"] = True
        if retry_after > self.settings.max_wait_s:
            raise RateLimited(retry_after)
        self.bucket.pause_until(opens_at)


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return LimiterSettings


@hookimpl
def request_middleware(config: Config) -> Limiter:
    return Limiter(config.section("limiter", LimiterSettings))
