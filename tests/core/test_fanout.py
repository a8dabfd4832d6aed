"""fan_out: many reads of one tool call at once, on threads every call shares."""

from __future__ import annotations

import threading

import pytest

from spotify_mcp.fanout import WORKERS, fan_out


def test_results_keep_the_input_order_and_at_most_workers_run_at_once() -> None:
    running, most, lock = 0, 0, threading.Lock()
    release = threading.Barrier(WORKERS, timeout=10)

    def slow_square(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        if n < WORKERS:
            release.wait()  # the first WORKERS items are all in flight together
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
    assert len(seen) <= 4 * WORKERS  # the shared pool's size, not 20 calls' worth


def test_a_fan_out_inside_a_fan_out_does_not_wait_for_the_busy_pool() -> None:
    """Five calls at once fill the shared threads with lanes; a lane that waited for pool
    threads of its own would wait forever."""

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


def test_a_failure_is_raised_after_every_lane_ends() -> None:
    done: list[int] = []

    def fail_on_three(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        done.append(n)
        return n

    with pytest.raises(ValueError, match="three"):
        fan_out(fail_on_three, range(16))
    assert 4 in done and 11 not in done  # other lanes went on; lane 3 stopped at its failure
