"""The limiter against the sandbox: a 429 holds every thread until Retry-After has passed,
a long Retry-After fails fast, and the token bucket paces requests."""

from __future__ import annotations

import threading
import time

import pytest
from faultkit import (
    SLOW_LIMITER,
    SandboxAdmin,
    assert_a_429_holds_a_request_already_waiting,
    build_pipeline,
    in_threads,
    metric,
    wait_until,
)
from spotipy import SpotifyException

from spotify_mcp.errors import RateLimited
from spotify_mcp.pipeline import Response
from spotify_mcp.sandbox import Sandbox

pytestmark = pytest.mark.timeout(30)  # nothing may hang


def test_no_request_is_sent_before_retry_after_has_passed(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    limited, retried = (
        metric("spotify_mcp_rate_limited_total"),
        metric("spotify_mcp_retries_total", endpoint="/me", reason="rate_limited"),
    )
    admin.fault("/me", status=429, retry_after=1)
    assert build_pipeline(sandbox).spotify.me()["id"] == "sandboxpremium"
    first, second = admin.log("/me")
    assert (first["status"], second["status"]) == (429, 200)
    assert second["time"] >= first["time"] + 1
    # Counted once by the limiter, retried once by retry (which waited at the limiter's gate).
    assert metric("spotify_mcp_rate_limited_total") == limited + 1
    assert metric("spotify_mcp_retries_total", endpoint="/me", reason="rate_limited") == retried + 1


def test_the_wait_is_shared_by_every_thread(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = build_pipeline(sandbox)
    admin.fault("/me", status=429, retry_after=1)
    hit = threading.Thread(target=pipeline.spotify.me)
    hit.start()
    wait_until(lambda: pipeline.limiter.gate_wait() > 0)  # the 429 has closed the gate
    others = in_threads([lambda: pipeline.spotify.current_user_playlists(limit=1)] * 8)
    hit.join(timeout=20)
    assert all(not isinstance(result, Exception) for result in others)
    log = admin.log()
    limited = next(e for e in log if e["status"] == 429)
    later = [e for e in log if e is not limited and e["time"] > limited["time"]]
    assert len(later) == 9  # the retried GET /me and the 8 other threads
    assert all(e["time"] >= limited["time"] + 1 for e in later)


def test_a_long_retry_after_fails_fast_with_when_to_retry(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(sandbox, limiter={"max_wait_s": 5})
    admin.fault("/me", status=429, retry_after=3600)
    with pytest.raises(RateLimited) as raised:
        pipeline.spotify.me()
    assert raised.value.retry_after == 3600
    assert "Try again in 3600 s" in str(raised.value)
    # Every other call fails fast too, without reaching Spotify, from any thread.
    results = in_threads([lambda: pipeline.spotify.current_user_playlists(limit=1)] * 4)
    assert all(isinstance(result, RateLimited) for result in results)
    assert all(3590 < result.retry_after <= 3600 for result in results)
    assert len(admin.log()) == 1


def test_without_retry_the_429_is_answered_and_the_next_call_waits(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(sandbox, without=("retry",))
    admin.fault("/me", status=429, retry_after=1)
    with pytest.raises(SpotifyException) as raised:
        pipeline.spotify.me()
    assert raised.value.http_status == 429
    pipeline.spotify.me()
    first, second = admin.log("/me")
    assert second["time"] >= first["time"] + 1


def test_the_token_bucket_paces_requests(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = build_pipeline(sandbox, limiter={"rate_per_s": 20.0, "burst": 1})
    pipeline.spotify.me()  # connect first: a new connection would delay only the first request
    admin.clear()
    for _ in range(6):
        pipeline.spotify.me()
    times = [e["time"] for e in admin.log("/me")]
    # Five tokens at 20 per second cannot be had in less than 0.25 s (5 ms for clock jitter).
    assert times[-1] - times[0] >= 5 / 20 - 0.005


def test_a_request_already_waiting_for_a_token_waits_out_the_429_too(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(sandbox, limiter=SLOW_LIMITER)
    assert_a_429_holds_a_request_already_waiting(admin, pipeline, pipeline)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        ("-3", 0.0),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("%a, %d %b %Y %H:%M:%S GMT", 10.0),  # IMF-fixdate
        ("%a %b %d %H:%M:%S %Y", 10.0),  # asctime: no zone written, GMT all the same
        ("%a, %d %b %Y %H:%M:%S -0000", 10.0),
    ],
)
def test_retry_after_in_every_form_http_allows(
    header: str, expected: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # a date read as local time would be 5 h off
    time.tzset()
    try:
        value = time.strftime(header, time.gmtime(time.time() + 10)) if "%" in header else header
        got = Response(429, {"Retry-After": value}).retry_after
    finally:
        monkeypatch.undo()
        time.tzset()
    if header.startswith("%"):  # a date: whole seconds, read a moment later
        assert got is not None and expected is not None and abs(got - expected) <= 1.5
    else:
        assert got == expected
