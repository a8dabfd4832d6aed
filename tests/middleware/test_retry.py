"""The retry middleware against the sandbox's faults: what is sent again, and what never is."""

from __future__ import annotations

import socket

import pytest
from faultkit import SandboxAdmin, bare, build_pipeline, metric, playlist_uris, track_uris
from spotipy import SpotifyException

from spotify_mcp.auth import StaticToken
from spotify_mcp.errors import CircuitOpen, MaybeMade, RateLimited, explain, may_have_been_made
from spotify_mcp.middleware.retry import NotRepeated, Retry, RetrySettings
from spotify_mcp.pipeline import ConnectError, ConnectionLost, Request, RequestTimeout
from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST
from spotify_mcp.session import build_session


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 503, "times": 2}, "server_error"),
        ({"status": 500, "times": 1}, "server_error"),
        ({"drop_connection": True, "times": 2}, "connection_lost"),
    ],
)
def test_idempotent_request_is_retried_until_it_succeeds(
    sandbox: Sandbox, admin: SandboxAdmin, fault: dict[str, object], reason: str
) -> None:
    before = metric("spotify_mcp_retries_total", endpoint="/me", reason=reason)
    admin.fault("/me", **fault)
    assert build_pipeline(sandbox).spotify.me()["id"] == "sandboxpremium"
    attempts = admin.log("/me")
    assert [e["status"] for e in attempts][-1] == 200
    assert len(attempts) == int(fault["times"]) + 1  # type: ignore[call-overload]
    assert (
        metric("spotify_mcp_retries_total", endpoint="/me", reason=reason)
        == before + len(attempts) - 1
    )


def test_timeout_is_retried(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.fault("/me", latency_ms=1500, times=1)
    spotify = build_pipeline(sandbox, timeout=0.3).spotify
    assert spotify.me()["id"] == "sandboxpremium"
    assert len(admin.log("/me")) == 2


def test_a_4xx_is_an_answer_not_a_failure(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    with pytest.raises(SpotifyException) as raised:
        build_pipeline(sandbox).spotify.track("0000000000000000000000")
    assert raised.value.http_status == 404
    assert len(admin.log()) == 1


def test_attempts_stop_at_max_attempts(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.fault("/me", status=503, times=None)
    with pytest.raises(SpotifyException) as raised:
        build_pipeline(sandbox, retry={"max_attempts": 3}).spotify.me()
    assert raised.value.http_status == 503
    assert len(admin.log("/me")) == 3


def test_the_deadline_ends_the_attempts(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    admin.fault("/me", status=503, times=None)
    retry = {"max_attempts": 1000, "base_delay_s": 0.05, "max_delay_s": 0.05, "deadline_s": 0.3}
    with pytest.raises(SpotifyException):
        build_pipeline(sandbox, without=("breaker",), retry=retry).spotify.me()
    # Each wait is at most 0.05 s, so attempts stop because of the deadline, long before 1000.
    assert 1 <= len(admin.log("/me")) < 1000


def test_5xx_after_adding_items_is_not_repeated(
    fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    playlist, uris = EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, count=2)
    admin.fault("/playlists/*/items", method="POST", status=503, apply=True)
    with pytest.raises(NotRepeated) as raised:
        build_pipeline(fresh_sandbox).spotify.playlist_add_items(playlist, uris)
    assert "may or may not have been made" in explain(raised.value)
    assert len(admin.log(f"/playlists/{playlist}/items", "POST")) == 1
    assert playlist_uris(fresh_sandbox, playlist) == uris  # applied once, not duplicated


@pytest.mark.parametrize("apply", [True, False])
def test_dropped_connection_on_adding_items_is_not_repeated(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, apply: bool
) -> None:
    playlist, uris = EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, count=2)
    admin.fault("/playlists/*/items", method="POST", drop_connection=True, apply=apply)
    with pytest.raises(ConnectionLost) as raised:
        build_pipeline(fresh_sandbox).spotify.playlist_add_items(playlist, uris)
    assert "may or may not have been made" in explain(raised.value)
    assert len(admin.log(f"/playlists/{playlist}/items", "POST")) == 1
    assert playlist_uris(fresh_sandbox, playlist) == (uris if apply else [])


def test_429_on_adding_items_is_retried_and_added_once(
    fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    playlist, uris = EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, count=2)
    admin.fault("/playlists/*/items", method="POST", status=429, retry_after=0)
    build_pipeline(fresh_sandbox).spotify.playlist_add_items(playlist, uris)
    sent = admin.log(f"/playlists/{playlist}/items", "POST")
    assert [e["status"] for e in sent] == [429, 201]
    assert playlist_uris(fresh_sandbox, playlist) == uris


def test_refused_connection_is_retried_even_for_adding_items() -> None:
    with socket.socket() as probe:  # a port nobody listens on: every connect is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = "/playlists/{id}/items"
    before = metric("spotify_mcp_retries_total", endpoint=endpoint, reason="connect_error")
    retry = Retry(RetrySettings(max_attempts=3, base_delay_s=0.01, max_delay_s=0.01))
    spotify = build_session([retry], StaticToken("t", "someone"), f"http://127.0.0.1:{port}/v1")
    with pytest.raises(ConnectError):
        spotify.playlist_add_items("0000000000000000000000", ["spotify:track:" + "1" * 22])
    after = metric("spotify_mcp_retries_total", endpoint=endpoint, reason="connect_error")
    assert after == before + 2  # never sent, so sending it again cannot duplicate anything


@pytest.mark.parametrize(
    ("method", "path", "body", "idempotent"),
    [
        ("GET", "/me", None, True),
        ("POST", "/playlists/p/items", b'["spotify:track:x"]', False),
        ("POST", "/me/player/queue", None, False),
        ("POST", "/me/player/next", None, False),
        ("POST", "/me/playlists", b'{"name": "x"}', False),
        ("PUT", "/playlists/p/items", b'{"uris": ["spotify:track:x"]}', True),
        ("PUT", "/playlists/p/items", b'{"range_start": 0, "insert_before": 2}', False),
        ("DELETE", "/playlists/p/items", b'{"items": [{"uri": "spotify:track:x"}]}', True),
        ("DELETE", "/playlists/p/items", b'{"items": [{"uri": "u", "positions": [0]}]}', False),
        ("PUT", "/me/player/volume", None, True),
        ("PUT", "/me/library", None, True),
    ],
)
def test_which_requests_are_safe_to_repeat(
    method: str, path: str, body: bytes | None, idempotent: bool
) -> None:
    request = Request(method, f"https://api.spotify.com/v1{path}", body=body)
    assert request.idempotent is idempotent


def test_an_attempt_held_at_the_rate_limit_gate_still_ends_by_the_deadline(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """The 429's wait spends most of the deadline: the slow next attempt gets only what is
    left of it, and times out instead of answering after the deadline."""
    pipeline = build_pipeline(sandbox, without=("breaker",), retry={"deadline_s": 2.0})
    admin.fault("/me", status=429, retry_after=1, times=1)
    admin.fault("/me", latency_ms=1800, times=1)
    with pytest.raises(RequestTimeout):
        pipeline.spotify.me()


def test_a_rate_limit_wait_past_the_deadline_fails_at_once(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(sandbox, without=("breaker",), retry={"deadline_s": 1.0})
    admin.fault("/me", status=429, retry_after=3, times=1)
    with pytest.raises(RateLimited, match="Try again in 3 s"):
        pipeline.spotify.me()
    # The next call meets the gate that 429 closed: it fails too, instead of waiting 3 s.
    with pytest.raises(RateLimited, match=r"Try again in [23] s"):
        pipeline.spotify.current_user_playlists()
    assert [entry["path"] for entry in admin.log()] == ["/v1/me"]


# -- a failure after an attempt that may have been applied ------------------------------------


def test_the_breaker_opening_after_an_applied_5xx_says_the_change_may_have_been_made(
    fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(fresh_sandbox, breaker={"failure_threshold": 1, "cooldown_s": 30})
    admin.fault(f"/playlists/{EMPTY_PLAYLIST}", method="PUT", status=503, apply=True, times=1)
    with pytest.raises(MaybeMade) as raised:
        pipeline.spotify.playlist_change_details(EMPTY_PLAYLIST, name="Renamed")
    assert isinstance(raised.value.error, CircuitOpen) and may_have_been_made(raised.value)
    assert "paused" in str(raised.value) and "may or may not have been made" in str(raised.value)
    assert len(admin.log(f"/playlists/{EMPTY_PLAYLIST}", "PUT")) == 1
    assert bare(fresh_sandbox).playlist(EMPTY_PLAYLIST)["name"] == "Renamed"


def test_a_rate_limit_after_an_applied_5xx_says_the_change_may_have_been_made(
    fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(fresh_sandbox, without=("breaker",), retry={"deadline_s": 1.0})
    admin.fault(f"/playlists/{EMPTY_PLAYLIST}", method="PUT", status=503, apply=True, times=1)
    admin.fault(f"/playlists/{EMPTY_PLAYLIST}", method="PUT", status=429, retry_after=5)
    with pytest.raises(MaybeMade, match="rate limit") as raised:
        pipeline.spotify.playlist_change_details(EMPTY_PLAYLIST, name="Renamed")
    assert isinstance(raised.value.error, RateLimited)


def test_a_change_refused_with_no_attempt_applied_is_said_not_made(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    pipeline = build_pipeline(sandbox, without=("breaker",), retry={"deadline_s": 1.0})
    admin.fault(f"/playlists/{EMPTY_PLAYLIST}", method="PUT", status=429, retry_after=5)
    with pytest.raises(RateLimited) as raised:
        pipeline.spotify.playlist_change_details(EMPTY_PLAYLIST, name="Never")
    assert not isinstance(raised.value, MaybeMade) and not may_have_been_made(raised.value)
    assert bare(sandbox).playlist(EMPTY_PLAYLIST)["name"] != "Never"
