"""The ``retry`` plugin: send a failed request again when that is safe, within a deadline.

Exponential backoff with full jitter on 5xx, timeouts and connection errors. A request that
is not idempotent (adding playlist items, queueing, skipping) is sent again only when the
failure proves Spotify did not process it: a 429, or a connection that was never made.

On 429 the limiter (inner) owns the shared wait: it closes its gate for ``Retry-After`` and
marks the request with ``extensions["rate_limit_gate"]``; this middleware then re-attempts at
once and the limiter holds the attempt until the gate opens. Without the limiter, this
middleware sleeps out ``Retry-After`` itself.
"""

from __future__ import annotations

import functools
import random
import time
from typing import TYPE_CHECKING

from loguru import logger
from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import MaybeMade, RateLimited, SpotifyMCPError, may_have_been_made
from spotify_mcp.pipeline import (
    CallNext,
    ConnectError,
    ConnectionLost,
    Request,
    RequestTimeout,
    Response,
    TransportError,
)

if TYPE_CHECKING:
    from prometheus_client import Counter

    from spotify_mcp.config import Config


@functools.cache
def _retries() -> Counter:
    """Registered on first use: importing prometheus_client at startup slows tools/list."""
    from prometheus_client import Counter

    return Counter(
        "spotify_mcp_retries_total",
        "Spotify Web API requests sent again after a failure.",
        ["endpoint", "reason"],
    )


_TRANSPORT_REASONS: dict[type[TransportError], str] = {
    ConnectError: "connect_error",
    ConnectionLost: "connection_lost",
    RequestTimeout: "timeout",
}


class RetrySettings(BaseModel):
    max_attempts: int = Field(4, ge=1, description="Attempts per request, the first included.")
    base_delay_s: float = Field(
        0.5, ge=0, description="Backoff cap before the 2nd attempt; doubles for each next one."
    )
    max_delay_s: float = Field(8.0, ge=0, description="Largest backoff between two attempts.")
    deadline_s: float = Field(
        30.0, gt=0, description="Total time for all attempts and waits of one request."
    )


class NotRepeated(SpotifyMCPError):
    """A request that is not safe to repeat failed in a way that may have followed its effect."""

    def __init__(self, request: Request, status: int) -> None:
        self.status = status
        super().__init__(
            f"Spotify answered HTTP {status} to {request.method} {request.endpoint}, which is "
            "not sent twice automatically: the change may or may not have been made. Read the "
            "current state before trying again."
        )


class Retry:
    """Re-attempts with full-jitter exponential backoff; see the module docstring."""

    name = "retry"
    order = 300

    def __init__(self, settings: RetrySettings) -> None:
        self.settings = settings
        self._retries = _retries()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        deadline = time.monotonic() + self.settings.deadline_s
        if request.deadline is not None:  # an outer middleware's deadline
            deadline = min(deadline, request.deadline)
        request.deadline = deadline
        attempt, unsure = 1, False
        while True:
            try:
                outcome: Response | TransportError = call_next(request)
            except TransportError as error:
                outcome = error
            except SpotifyMCPError as error:  # the breaker, the limiter or the login refused it
                if unsure:
                    raise MaybeMade(error) from error
                raise
            reason = _retry_reason(request, outcome)
            if reason is None:
                assert isinstance(outcome, Response)
                return outcome
            # A change whose attempt may have been applied (a read changes nothing).
            unsure = unsure or (request.method != "GET" and may_have_been_made(outcome))
            delay = self._delay(attempt, outcome)
            if attempt >= self.settings.max_attempts or time.monotonic() + delay > deadline:
                return _give_up(outcome, delay, unsure)
            attempt += 1
            self._wait(request, attempt, reason, delay)

    def _delay(self, attempt: int, outcome: Response | TransportError) -> float:
        """Spotify's ``Retry-After`` when it gave one, else the backoff."""
        hint = outcome.retry_after if isinstance(outcome, Response) else None
        return self._backoff(attempt) if hint is None else hint

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^(attempt-1))] spreads retries apart."""
        cap = min(self.settings.max_delay_s, self.settings.base_delay_s * 2 ** (attempt - 1))
        return random.uniform(0, cap)

    def _wait(self, request: Request, attempt: int, reason: str, delay: float) -> None:
        limiter_waits = reason == "rate_limited" and request.extensions.get("rate_limit_gate")
        logger.info(
            "retry {} {} attempt {}/{} after {}, in {:.2f} s{}",
            request.method,
            request.endpoint,
            attempt,
            self.settings.max_attempts,
            reason,
            delay,
            " (at the rate limiter's gate)" if limiter_waits else "",
        )
        self._retries.labels(endpoint=request.endpoint, reason=reason).inc()
        if not limiter_waits:  # the limiter holds the next attempt until its gate opens
            time.sleep(delay)


def _retry_reason(request: Request, outcome: Response | TransportError) -> str | None:
    """Why to send the request again; None to return the response as it is. Raises when
    the failure may have followed the request's effect and repeating it is not safe."""
    if isinstance(outcome, TransportError):
        if request.idempotent or isinstance(outcome, ConnectError):
            return _TRANSPORT_REASONS[type(outcome)]
        raise outcome  # it may have been processed: explain() says to check first
    if outcome.status == 429:
        return "rate_limited"  # Spotify did not process it: safe for any request
    if outcome.status < 500:
        return None
    if not request.idempotent:
        raise NotRepeated(request, outcome.status)  # a 5xx may come after the change
    return "server_error"


def _give_up(outcome: Response | TransportError, wait: float, unsure: bool) -> Response:
    """The last outcome as the caller gets it; ``unsure`` if an earlier attempt may have been
    applied, which an error saying otherwise (a 429, no connection) must not hide."""
    if isinstance(outcome, Response) and outcome.status != 429:
        return outcome  # a 5xx: its error says the change may have been made
    error = outcome if isinstance(outcome, TransportError) else RateLimited(wait)
    if unsure and not may_have_been_made(error):
        raise MaybeMade(error) from error
    raise error


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return RetrySettings


@hookimpl
def request_middleware(config: Config) -> Retry:
    return Retry(config.section("retry", RetrySettings))
