"""fan_out: many reads of one tool call at once, on the caller's thread and shared ones."""

from __future__ import annotations

import threading
import time

import pytest

from spotify_mcp.fanout import SHARED_THREADS, WORKERS, fan_out


def test_results_keep_the_input_order_and_at_most_workers_run_at_once() -> None:
    running, most, lock = 0, 0, threading.Lock()
    together = threading.Barrier(WORKERS, timeout=10)

    def slow_square(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if n < WORKERS:
            together.wait()  # the first WORKERS items are all in flight at once
        with lock:
            running -= 1
        return n * n

    assert fan_out(slow_square, range(50)) == [n * n for n in range(50)]
    assert most == WORKERS


def test_calls_share_their_threads() -> None:
    """A pool per call would start new threads (and their SQLite connections) every time."""
    seen: set[threading.Thread] = set()  # kept alive: an ident can be reused, a thread not

    def note(_: int) -> None:
        seen.add(threading.current_thread())

    for _ in range(20):
        fan_out(note, range(WORKERS))
    assert len(seen) <= SHARED_THREADS + 1  # and this thread


def test_a_call_progresses_while_others_hold_every_shared_thread() -> None:
    release = threading.Event()
    holders = [
        threading.Thread(target=fan_out, args=(lambda _: release.wait(30), range(WORKERS)))
        for _ in range(SHARED_THREADS // (WORKERS - 1) + 1)  # more helpers than shared threads
    ]
    for holder in holders:
        holder.start()
    try:
        assert fan_out(lambda n: n + 1, range(WORKERS)) == list(range(1, WORKERS + 1))
    finally:
        release.set()
        for holder in holders:
            holder.join(30)


def test_a_slow_item_holds_up_no_other() -> None:
    finished: list[int] = []
    slow = threading.Event()

    def item(n: int) -> int:
        if n == 0:
            assert slow.wait(30)  # until every other item is done
        else:
            finished.append(n)
            if len(finished) == 49:
                slow.set()
        return n

    assert fan_out(item, range(50)) == list(range(50))


def test_a_fan_out_inside_a_fan_out_does_not_wait_for_the_busy_pool() -> None:
    """Five calls at once fill the shared threads; a nested call that waited for one of
    them would wait forever."""

    def inner(n: int) -> list[int]:
        return fan_out(lambda m: n * 100 + m, range(3))

    expected = [[n * 100 + m for m in range(3)] for n in range(40)]
    answers: list[list[list[int]]] = []
    calls = [  # daemons: ones that never finish must not hold up the end of the run
        threading.Thread(target=lambda: answers.append(fan_out(inner, range(40))), daemon=True)
        for _ in range(5)
    ]
    for call in calls:
        call.start()
    for call in calls:
        call.join(timeout=30)
    assert answers == [expected] * 5


def test_after_a_failure_no_item_is_started_and_the_earliest_is_raised() -> None:
    started: list[int] = []

    def fail_early(n: int) -> int:
        started.append(n)
        if n in (0, 1):
            raise ValueError(f"item {n}")
        time.sleep(0.01)  # long after items 0 and 1 failed
        return n

    with pytest.raises(ValueError, match="item 0"):
        fan_out(fail_early, range(50))
    assert len(started) <= WORKERS  # the ones already running when the failure came
