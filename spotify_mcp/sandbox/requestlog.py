"""The log of every request the sandbox received (admin requests excepted), in order."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_ENTRIES = 100_000  # bounds memory in long sessions and benchmarks


@dataclass(slots=True)
class RequestLog:
    entries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_ENTRIES))

    def record(self, method: str, path: str, query: str, time: float) -> dict[str, Any]:
        """A new entry; the middleware fills in `status` (None if the connection dropped)."""
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "time": time,
            "fault": None,
        }
        self.entries.append(entry)
        return entry

    def clear(self) -> None:
        self.entries.clear()
