"""Progress of the running tool call, for clients that asked for it, and where it may stop.

A client that sends a ``progressToken`` with ``tools/call`` gets ``notifications/progress``
while the call runs: each request of a long change (thousands of playlist items) or of a
read of many pages or items. Clients can show it, and some extend their timeout on each one.
Without a token nothing is sent. A client that cancels the call stops it at the next
:meth:`Progress.advance` or request in the tool's own thread: what was sent stays done,
nothing more is.

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
from dataclasses import dataclass

Send = Callable[[float, float, str], None]
"""``send(done, total, message)``: tell the client, from any thread."""


@dataclass(frozen=True)
class _Call:
    send: Send | None
    stop_if_cancelled: Callable[[], None]
    """Raises the cancellation when the client cancelled the call; tool thread only."""


_call: ContextVar[_Call | None] = ContextVar("spotify_mcp_call", default=None)


class Progress:
    """``total`` units of work of the current tool call; thread-safe."""

    def __init__(self, total: int, unit: str) -> None:
        # Read here, in the tool's thread: a helper's pool threads do not see the call's context.
        self._call = _call.get()
        self._thread = threading.get_ident()
        self._total, self._unit = total, unit
        self._done = 0
        self._lock = threading.Lock()

    def advance(self, units: int = 1) -> None:
        """``units`` more are done: tell the client, then stop here if it cancelled the call
        (in the thread that made this object; other threads carry on)."""
        if self._call is None:
            return
        if self._call.send is not None:
            with self._lock:  # sent one at a time, so the client sees the count rise
                self._done += units
                self._call.send(
                    self._done, self._total, f"{self._done} of {self._total} {self._unit}"
                )
        if threading.get_ident() == self._thread:
            self._call.stop_if_cancelled()


def stop_if_cancelled() -> None:
    """Raise the cancellation when the client cancelled the current tool call. Called
    before each request is sent, so a request waiting out a rate limit is not sent once the
    call is cancelled; a no-op outside a tool call's own thread."""
    call = _call.get()
    if call is not None:
        call.stop_if_cancelled()


@contextmanager
def reporting(send: Send | None, stop_if_cancelled: Callable[[], None]) -> Iterator[None]:
    """Around one tool call: where its progress goes, and how it learns it was cancelled."""
    token = _call.set(_Call(send, stop_if_cancelled))
    try:
        yield
    finally:
        _call.reset(token)
