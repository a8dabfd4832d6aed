"""The ``breaker`` plugin: stop calling an endpoint family that keeps failing.

One circuit per endpoint family (player, library, playlists, profile, catalog). Closed, it
counts consecutive failures (5xx, timeouts, connection errors; a 4xx is an answer, a 429 is
the limiter's business); at the threshold it opens and every call fails fast with
:class:`~spotify_mcp.errors.CircuitOpen`. After the cool-down a few trial calls go through
(half-open): a success closes the circuit, a failure opens it again. It runs outside the
limiter, so a call it refuses spends no token, and inside retry, so every attempt counts.
"""

from __future__ import annotations

import enum
import functools
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger
from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import CircuitOpen
from spotify_mcp.pipeline import CallNext, Request, Response, TransportError

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge

    from spotify_mcp.app import App
    from spotify_mcp.config import Config
    from spotify_mcp.registry import HealthRegistry


@functools.cache
def _metrics() -> tuple[Gauge, Counter]:
    """Registered on first use: importing prometheus_client at startup slows tools/list."""
    from prometheus_client import Counter, Gauge

    state = Gauge(
        "spotify_mcp_breaker_state",
        "Circuit state per endpoint family: 0 closed, 1 half-open, 2 open.",
        ["family"],
    )
    transitions = Counter(
        "spotify_mcp_breaker_transitions_total",
        "Circuit state changes per endpoint family, by the state entered.",
        ["family", "to"],
    )
    return state, transitions


_TRIALS_BUSY_RETRY_S = 1.0  # half-open with every trial slot taken: the trials end soon


class State(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


class BreakerSettings(BaseModel):
    failure_threshold: int = Field(
        5, ge=1, description="Consecutive failures of a family that open its circuit."
    )
    cooldown_s: float = Field(
        30.0, gt=0, description="How long an open circuit fails fast before trial calls."
    )
    half_open_calls: int = Field(1, ge=1, description="Trial calls at once while half-open.")


@dataclass
class Circuit:
    state: State = State.CLOSED
    failures: int = 0
    """Consecutive failures while closed."""
    opened_at: float = 0.0
    trials: int = 0
    """Trial calls in flight while half-open."""


class Breaker:
    """Per-family circuit breakers; thread-safe (one lock, held only for bookkeeping)."""

    name = "breaker"
    order = 400

    def __init__(self, settings: BreakerSettings) -> None:
        self.settings = settings
        self._circuits: dict[str, Circuit] = {}
        self._lock = threading.Lock()
        self._state_gauge, self._transitions = _metrics()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        family = request.family
        trial = self._admit(family)
        try:
            response = call_next(request)
        except TransportError:
            self._record(family, trial, failed=True)
            raise
        except BaseException:
            self._record(family, trial, failed=None)  # e.g. the limiter refused: no verdict
            raise
        self._record(
            family, trial, failed=None if response.status == 429 else response.status >= 500
        )
        return response

    def open_circuits(self) -> dict[str, float]:
        """Families whose circuit is open, with the seconds until a trial call."""
        now = time.monotonic()
        with self._lock:
            for family, circuit in self._circuits.items():
                self._refresh(family, circuit, now)
            return {
                family: self._reopens_at(circuit) - now
                for family, circuit in self._circuits.items()
                if circuit.state is State.OPEN
            }

    def state(self, family: str) -> State:
        """The state of ``family``'s circuit now, as ``spotify_mcp_breaker_state`` shows it."""
        with self._lock:
            return self._refresh(family, self._circuits[family], time.monotonic())

    def _admit(self, family: str) -> bool:
        """Let a call through (True when it is a half-open trial) or raise CircuitOpen."""
        with self._lock:
            circuit = self._circuits.get(family)
            if circuit is None:
                circuit = self._circuits[family] = Circuit()
                # Read at each scrape: a cool-down ends on an idle server too.
                self._state_gauge.labels(family=family).set_function(
                    functools.partial(self.state, family)
                )
            now = time.monotonic()
            if self._refresh(family, circuit, now) is State.OPEN:
                raise CircuitOpen(family, self._reopens_at(circuit) - now)
            if circuit.state is State.CLOSED:
                return False
            if circuit.trials >= self.settings.half_open_calls:
                raise CircuitOpen(family, _TRIALS_BUSY_RETRY_S)
            circuit.trials += 1
            return True

    def _record(self, family: str, trial: bool, failed: bool | None) -> None:
        """Count an outcome: True a failure, False a success, None neither (e.g. a 429)."""
        with self._lock:
            circuit = self._circuits[family]
            if trial:
                circuit.trials -= 1
            if failed is None:
                return
            if circuit.state is State.HALF_OPEN and trial:
                self._move(family, circuit, State.OPEN if failed else State.CLOSED)
            elif circuit.state is State.CLOSED:
                circuit.failures = circuit.failures + 1 if failed else 0
                if circuit.failures >= self.settings.failure_threshold:
                    self._move(family, circuit, State.OPEN)
            # Calls admitted before the circuit opened (or non-trials) leave it as it is.

    def _move(self, family: str, circuit: Circuit, to: State) -> None:
        circuit.state = to
        circuit.failures = 0
        if to is State.OPEN:
            circuit.opened_at = time.monotonic()
            logger.warning(
                "circuit for Spotify's {} endpoints opened; calls fail fast for {:.1f} s",
                family,
                self.settings.cooldown_s,
            )
        else:
            logger.info("circuit for Spotify's {} endpoints is {}", family, to.label)
        self._transitions.labels(family=family, to=to.label).inc()

    def _refresh(self, family: str, circuit: Circuit, now: float) -> State:
        """An open circuit past its cool-down turns half-open (resilience4j's automatic
        transition), whoever looks first: a call, a health check or a scrape of the state."""
        if circuit.state is State.OPEN and self._reopens_at(circuit) <= now:
            self._move(family, circuit, State.HALF_OPEN)
        return circuit.state

    def _reopens_at(self, circuit: Circuit) -> float:
        return circuit.opened_at + self.settings.cooldown_s


def check_circuits(app: App) -> str:
    """Readiness: fails while a family's circuit is open, naming it and when it retries."""
    breaker = next((mw for mw in app.middleware if isinstance(mw, Breaker)), None)
    if breaker is None:
        return "breaker not in the pipeline"
    open_now = breaker.open_circuits()
    if open_now:
        paused = ", ".join(
            f"{family} (trial call in {math.ceil(wait)} s)"
            for family, wait in sorted(open_now.items())
        )
        raise RuntimeError(f"circuit open, calls to these Spotify endpoints fail fast: {paused}")
    return "all circuits closed or half-open"


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return BreakerSettings


@hookimpl
def request_middleware(config: Config) -> Breaker:
    return Breaker(config.section("breaker", BreakerSettings))


@hookimpl
def health_checks(registry: HealthRegistry) -> None:
    registry.add(check_circuits, name="breaker", kind="readiness")
