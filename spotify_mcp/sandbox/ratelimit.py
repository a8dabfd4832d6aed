"""Spotify-style rate limiting: a rolling 30-second window of accepted API requests."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

WINDOW_S = 30.0


@dataclass(slots=True)
class RollingWindow:
    stamps: deque[float] = field(default_factory=deque)

    def admit(self, limit: int | None, now: float) -> int | None:
        """None when the request may pass (and is counted), else the Retry-After seconds."""
        if limit is None:
            return None
        while self.stamps and self.stamps[0] <= now - WINDOW_S:
            self.stamps.popleft()
        if len(self.stamps) >= limit:
            return max(1, math.ceil(self.stamps[0] + WINDOW_S - now))
        self.stamps.append(now)
        return None

    def clear(self) -> None:
        self.stamps.clear()
