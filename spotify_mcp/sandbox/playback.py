"""A user's player: devices, the playing context, a queue and progress that follows the clock.

Progress is computed lazily from the time playback was last anchored, so nothing ticks in
the background: every read first calls `sync()`, which advances through the items whose
duration has elapsed (recording each track in the play history, as Spotify does).
Leaving an episode or chapter keeps where the user stopped in it: its resume point.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, Track

JSON = dict[str, Any]
HISTORY_SIZE = 50  # Spotify keeps the last 50 played tracks
RESTART_THRESHOLD_MS = 3_000  # "previous" after this far into an item restarts it instead
MAX_AUTO_ADVANCE = 10_000  # bounds the catch-up loop after a long idle with repeat on
RESUMABLE = "spotify:episode:"  # episodes and chapters (whose URIs say "episode" too)


@dataclass(slots=True)
class Device:
    id: str
    name: str
    type: str
    volume_percent: int | None
    supports_volume: bool = True

    def object(self, active: bool) -> JSON:
        return {
            "id": self.id,
            "is_active": active,
            "is_private_session": False,
            "is_restricted": False,
            "name": self.name,
            "supports_volume": self.supports_volume,
            "type": self.type,
            "volume_percent": self.volume_percent,
        }


@dataclass(slots=True)
class Player:
    catalog: Catalog
    devices: list[Device]
    clock: Callable[[], float]
    active: Device | None = None
    context_uri: str | None = None
    items: list[str] = field(default_factory=list)  # the context's playable URIs
    order: list[int] = field(default_factory=list)  # play order over `items` (shuffle)
    cursor: int = 0  # position in `order` of the current context item
    queue: list[str] = field(default_factory=list)  # added with "add to queue"
    current: str | None = None
    from_queue: bool = False  # `current` came from the queue, not from order[cursor]
    playing: bool = False
    position: int = 0  # progress in ms at `anchor`
    anchor: float = 0.0
    shuffle: bool = False
    repeat: str = "off"
    history: deque[tuple[int, Track, str | None]] = field(
        default_factory=lambda: deque(maxlen=HISTORY_SIZE)
    )  # (played_at ms, track, context URI), oldest first
    resume_points: dict[str, tuple[int, bool]] = field(default_factory=dict)
    """Episode or chapter URI -> (position ms, fully played) where the user left it."""

    def device(self, device_id: str) -> Device | None:
        return next((d for d in self.devices if d.id == device_id), None)

    @property
    def item(self) -> Track | None:
        return self.catalog.playable(self.current) if self.current else None

    def progress_ms(self, at: float | None = None) -> int:
        """Progress into the current item now, or at the clock time `at`."""
        if not self.playing:
            return self.position
        return self.position + round(((self.clock() if at is None else at) - self.anchor) * 1000)

    def resume_point(self, uri: str) -> JSON:
        """A ResumePointObject: live while the episode or chapter is loaded and under way."""
        self.sync()
        position, fully_played = self.resume_points.get(uri, (0, False))
        if uri == self.current and (live := self._reached(self.progress_ms())) is not None:
            position, fully_played = live
        return {"fully_played": fully_played, "resume_position_ms": position}

    def sync(self) -> None:
        """Advance past every item that finished playing since the last look."""
        for _ in range(MAX_AUTO_ADVANCE):
            item = self.item
            if not self.playing or item is None:
                return
            overshoot = self.progress_ms() - item.duration_ms
            if overshoot < 0:
                return
            self._advance(self.clock() - overshoot / 1000, manual=False)

    def play(self, context_uri: str | None, items: list[str], index: int, position_ms: int) -> None:
        """Start `items[index]` of a new context (None for a bare list of URIs)."""
        self.context_uri = context_uri
        self.items = items
        self.order = list(range(len(items)))
        self.cursor = index
        if self.shuffle:
            self._shuffle_rest()
        self._start(items[index], self.clock(), position_ms)
        self.playing = True
        self.sync()

    def resume(self) -> None:
        self.sync()
        self.anchor = self.clock()
        self.playing = True

    def pause(self) -> None:
        self.sync()
        self.position = self.progress_ms()
        self.playing = False

    def skip_next(self) -> None:
        self.sync()
        self._advance(self.clock(), manual=True)

    def skip_previous(self) -> None:
        self.sync()
        first = self.cursor == 0 and not self.from_queue
        restart = self.progress_ms() > RESTART_THRESHOLD_MS or first or not self.items
        if restart and self.current:
            self._start(self.current, self.clock(), 0, queued=self.from_queue)
        elif not restart:
            if not self.from_queue:  # from a queued item, back to the context item before it
                self.cursor -= 1
            self._start(self.items[self.order[self.cursor]], self.clock(), 0)

    def seek(self, position_ms: int) -> None:
        self.sync()
        self.position, self.anchor = position_ms, self.clock()
        self.sync()

    def set_shuffle(self, state: bool) -> None:
        self.sync()
        self.shuffle = state
        if not self.items:
            return
        current_index = self.order[self.cursor]
        self.order = list(range(len(self.items)))
        self.cursor = current_index
        if state:
            self._shuffle_rest()

    def add_to_queue(self, uri: str) -> None:
        self.sync()
        self.queue.append(uri)

    def upcoming(self, count: int = 20) -> list[str]:
        """The next `count` URIs: the queue first, then the rest of the context."""
        rest = [self.items[i] for i in self.order[self.cursor + 1 :]]
        if self.repeat == "context":
            rest += [self.items[i] for i in self.order[: self.cursor + 1]]
        return (self.queue + rest)[:count]

    def _shuffle_rest(self) -> None:
        """Keep the current item first and shuffle the others (seeded: reproducible)."""
        current = self.order[self.cursor]
        rest = [i for i in self.order if i != current]
        random.Random(len(self.items)).shuffle(rest)
        self.order, self.cursor = [current, *rest], 0

    def _reached(self, progress: int) -> tuple[int, bool] | None:
        """The resume point `progress` into the current item makes: played to the end, it is
        fully played (and resumes from the start); not started, it changes nothing (None)."""
        item = self.item
        if item is None or progress <= 0:
            return None
        return (0, True) if progress >= item.duration_ms else (progress, False)

    def _leave(self, at: float) -> None:
        """Keep where the user is, at `at`, in the current episode or chapter."""
        point = self._reached(self.progress_ms(at))
        if point is not None and self.current and self.current.startswith(RESUMABLE):
            self.resume_points[self.current] = point

    def _start(self, uri: str, at: float, position_ms: int, *, queued: bool = False) -> None:
        self._leave(at)
        self.current, self.position, self.anchor = uri, position_ms, at
        self.from_queue = queued
        item = self.catalog.playable(uri)
        if item is not None and uri.startswith("spotify:track:"):
            self.history.append((int(at * 1000), item, self.context_uri))

    def _advance(self, at: float, *, manual: bool) -> None:
        if self.repeat == "track" and not manual and self.current:
            self._start(self.current, at, 0)
        elif self.queue:
            self._start(self.queue.pop(0), at, 0, queued=True)
        elif self.cursor + 1 < len(self.order):
            self.cursor += 1
            self._start(self.items[self.order[self.cursor]], at, 0)
        elif self.repeat == "context" and self.order:
            self.cursor = 0
            self._start(self.items[self.order[0]], at, 0)
        else:  # the end of the context: stop on the last item
            self._leave(at)
            self.position, self.anchor, self.playing = 0, at, False
