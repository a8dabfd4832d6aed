"""The limiter's budget and 429 gate within one process: GCRA, the token bucket kept as one
number (the "theoretical arrival time"), as redis_budget.py keeps it in Redis for replicas.

A reservation never sleeps here: it returns how long its caller must wait, the slot already
taken, so waiting callers keep their arrival order and one lock is held only to count.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

from spotify_mcp.errors import RateLimited


class Budget(Protocol):
    """Where the limiter takes its slots and keeps its gate: this process, or Redis."""

    def reserve(self, max_gate_wait: float, max_wait: float = math.inf) -> float:
        """Take a slot; the seconds until it may be sent (0: now). Raises RateLimited, taking
        nothing, when the gate stays closed longer than ``max_gate_wait`` seconds or the whole
        wait would be longer than ``max_wait``."""
        ...

    def gate_wait(self) -> float:
        """Seconds until the 429 gate opens (0 when open)."""
        ...

    def close_gate(self, seconds: float) -> None:
        """Close the gate for ``seconds`` from now (never opening it earlier); the budget
        refills only from the opening, so the waiting requests do not all go at once."""
        ...


class LocalBudget:
    """The budget of this process: ``rate`` slots a second, ``burst`` at once after a quiet
    spell. Thread-safe."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval  # how far ahead of time a slot may be
        self._tat = 0.0  # monotonic time the budget is full again (GCRA)
        self._opens_at = 0.0  # monotonic time before which nothing is sent
        self._lock = threading.Lock()

    def reserve(self, max_gate_wait: float, max_wait: float = math.inf) -> float:
        with self._lock:
            now = time.monotonic()
            gate_wait = self._opens_at - now
            if gate_wait > max_gate_wait:
                raise RateLimited(gate_wait)
            tat = max(self._tat, now)
            wait = max(0.0, gate_wait, tat - self.tolerance - now)
            if wait > max_wait:
                raise RateLimited(wait)
            self._tat = tat + self.interval
            return wait

    def gate_wait(self) -> float:
        with self._lock:
            return max(0.0, self._opens_at - time.monotonic())

    def close_gate(self, seconds: float) -> None:
        with self._lock:
            now = time.monotonic()
            opens_at, gate = now + seconds, max(self._opens_at, now)
            if opens_at <= gate:
                return
            # Slots already promised move with the gate; no spare ones wait at the opening.
            tat = max(self._tat, now) + opens_at - gate
            self._tat = max(tat, opens_at + self.tolerance + self.interval)
            self._opens_at = opens_at
