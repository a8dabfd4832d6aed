"""Progress of the running tool call, for clients that asked for it.

A client that sends a ``progressToken`` with ``tools/call`` gets ``notifications/progress``
while the call runs: each request of a long change (thousands of playlist items) or of a
read of many pages or items. Clients can show it, and some extend their timeout on each one.
Without a token nothing is sent.

A tool (or a helper it calls) makes a :class:`Progress` in its own thread, then advances it
from any thread::

    progress = Progress(len(uris), "items")
    for chunk in chunks:
        send(chunk)
        progress.advance(len(chunk))
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Send = Callable[[float, float, str], None]
"""``send(done, total, message)``: tell the client, from any thread."""

_send: ContextVar[Send | None] = ContextVar("spotify_mcp_progress", default=None)


class Progress:
    """``total`` units of work of the current tool call; thread-safe."""

    def __init__(self, total: int, unit: str) -> None:
        # Read here, in the tool's thread: a helper's pool threads do not see the call's context.
        self._send = _send.get()
        self._total, self._unit = total, unit
        self._done = 0
        self._lock = threading.Lock()

    def advance(self, units: int = 1) -> None:
        if self._send is None:
            return
        with self._lock:  # sent one at a time, so the client sees the count rise
            self._done += units
            self._send(self._done, self._total, f"{self._done} of {self._total} {self._unit}")


@contextmanager
def reporting(send: Send | None) -> Iterator[None]:
    """Around one tool call: where the progress of its :class:`Progress` objects goes."""
    token = _send.set(send)
    try:
        yield
    finally:
        _send.reset(token)
