"""Many requests for one tool call: concurrent reads, and changes sent in order.

Spotify removed its batch lookups for development-mode apps, so many items (or many pages)
mean many requests. The session is thread-safe and the limiter middleware bounds the rate,
so tools fan reads out over a small thread pool. Changes go one chunk after another
(:func:`send_in_chunks`), so a failure can say exactly what was already done.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from spotify_mcp.errors import PartlyDone, RetryLater, SpotifyMCPError, may_have_been_made
from spotify_mcp.models import Page, Payload
from spotify_mcp.pipeline import ConnectError
from spotify_mcp.progress import Progress

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P", bound=Page[Any])

#: Requests one tool call has in flight at most.
WORKERS = 8
#: Threads all calls share, besides each call's own. Long-lived: each thread that reads the
#: cache opens its own SQLite connections, which a pool per call would open again and leave
#: to the garbage collector.
SHARED_THREADS = 32
_shared = ThreadPoolExecutor(SHARED_THREADS, thread_name_prefix="spotify-mcp-fan-out")


def fan_out(fn: Callable[[T], R], items: Iterable[T], progress: Progress | None = None) -> list[R]:
    """``[fn(item) for item in items]``, up to ``WORKERS`` at a time: the calling thread and
    shared ones take the next item as they come free, so a slow item holds up no other, and
    a call progresses on its own thread however busy the shared ones are. Results keep the
    input order; ``progress`` advances by one as each item is done. After a failure no item
    is started, and the failure of the earliest item is raised."""
    work = list(items)
    results: list[Any] = [None] * len(work)
    failures: list[tuple[int, BaseException]] = []
    indexes = itertools.count()  # next() is atomic: each index goes to one thread

    def take_items() -> None:
        while not failures and (index := next(indexes)) < len(work):
            try:
                results[index] = fn(work[index])
                if progress is not None:
                    progress.advance()  # in the calling thread, stops a cancelled call
            except BaseException as error:
                failures.append((index, error))
                return

    helpers = [_shared.submit(take_items) for _ in range(min(WORKERS, len(work)) - 1)]
    take_items()
    # The caller is done (every item taken, or one failed): helpers not started are dropped,
    # not waited for (a nested call would wait for a shared thread its own caller holds).
    wait([helper for helper in helpers if not helper.cancel()])
    if failures:
        raise min(failures, key=lambda failure: failure[0])[1]
    return results


def read_pages(
    fetch: Callable[[int, int], Payload],
    convert: Callable[[Payload], Any],
    into: type[P],
    *,
    offset: int,
    limit: int,
    page_size: int,
) -> P:
    """Up to ``limit`` items from ``offset``, ``page_size`` per request, as an ``into`` page.

    ``fetch(offset, limit)`` returns a Spotify paging object. The first request learns the
    total; the others run concurrently, so N items cost exactly ceil(N / page_size) requests.
    """
    first = fetch(offset, min(limit, page_size))
    total = first.get("total") or 0
    end = min(offset + limit, total)
    starts = range(offset + page_size, end, page_size)
    progress = Progress(1 + len(starts), "pages")
    progress.advance()
    rest = fan_out(lambda start: fetch(start, min(page_size, end - start)), starts, progress)
    raw = [item for page in (first, *rest) for item in page.get("items") or []]
    read_to = offset + len(raw)
    return into(
        items=[convert(item) for item in raw if item],
        total=total,
        offset=offset,
        next_offset=read_to if read_to < total and raw else None,
    )


def send_in_chunks(
    items: list[T],
    size: int,
    send: Callable[[int, list[T]], R],
    done: Callable[[int], str],
    resume_at: Callable[[int], str] | None = None,
    argument: str | None = None,
    begun: bool = False,
) -> R:
    """``send(start, chunk)`` for each ``size`` items in order (at least once: an empty list
    is one request), with progress; returns the last answer.

    When a chunk fails after others went through, :class:`PartlyDone` says what was done
    (``done(items already sent)``), which items may or may not have gone through and which
    did not, why, and how to finish. A change that is safe to repeat (no ``resume_at``) is
    finished by the same call again; any other by sending only the items not done, with
    ``resume_at(index of the first)`` saying where they go (e.g. `` with position 105``).
    ``argument`` names the call's argument that holds exactly these items in this order, so
    the rest is named as a slice of it (``items[100:]``, counted from 0 like positions);
    without it (the items were deduplicated), by count. ``begun``: the change began before
    the first chunk (a playlist was created for the items), so its failure is partial too;
    else a refusal of the first of several chunks explained here (an item named unknown, a
    rate limit) says that none of the items went through.
    """
    progress = Progress(len(items), "items")
    for start in range(0, len(items) or 1, size):
        chunk = items[start : start + size]
        try:
            answer = send(start, chunk)
        except Exception as error:
            if start == 0 and not begun:
                # Spotify's own refusal goes out as it is, for the tool to explain: one of the
                # whole call (someone else's playlist, a position past the end)
                mine = isinstance(error, SpotifyMCPError)
                if len(items) <= size or may_have_been_made(error) or not mine:
                    raise
                # refused outright: say so, or "Not found: X" leaves the other chunks in doubt
                nothing = f"Nothing changed: none of the {len(items)} items went through"
                raise PartlyDone(nothing, error) from error
            end = start + len(chunk)
            fate, advice = _unfinished(start, end, len(items), resume_at, argument, error)
            raise PartlyDone(f"{done(start)}; {fate}", error, advice) from error
        progress.advance(len(chunk))
    return answer


def _unfinished(
    start: int,
    end: int,
    total: int,
    resume_at: Callable[[int], str] | None,
    argument: str | None,
    error: Exception,
) -> tuple[str, str]:
    """What became of items ``start`` on, the chunk ``[start, end)`` having failed; how to
    finish the change."""

    def part(first: int, last: int, which: str) -> str:
        if argument is None:
            return f"{which} {_count(last - first)}"
        return f"{argument}[{first}:]" if last == total else f"{argument}[{first}:{last}]"

    unsure = may_have_been_made(error)
    if not unsure:
        fate = f"{part(start, total, 'the other')} did not go through"
    elif end < total:
        fate = (
            f"{part(start, end, 'the next')} may or may not have gone through; "
            f"not sent: {part(end, total, 'the last')}"
        )
    else:
        fate = f"{part(start, end, 'the last')} may or may not have gone through"
    repeats = f": all {total} again would repeat the first {start}" if start else ""
    if resume_at is None and _passing(error):
        advice = " Sending the same call again is safe: it finishes the change, whatever went in."
    elif resume_at is None:  # the same call would fail the same way
        advice = " Once that is fixed, sending the same call again is safe."
    elif unsure:  # the error's explanation says to read the state first
        advice = f" Then send only what is missing{repeats}."
    else:
        rest = part(start, total, "the last")
        only = " only" if start else ""  # nothing went through: all of them
        advice = f" To finish, send{only} {rest}{resume_at(start)}{repeats}."
    return fate, advice


def _passing(error: Exception) -> bool:
    """Whether ``error`` may pass by itself (the network, a server error, a rate limit), as
    against a refusal of what was sent, which the same call would meet again."""
    return (
        may_have_been_made(error)
        or isinstance(error, ConnectError | RetryLater)
        or getattr(error, "http_status", None) == 429
    )


def _count(items: int) -> str:
    return "item" if items == 1 else f"{items} items"
