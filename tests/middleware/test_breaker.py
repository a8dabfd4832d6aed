"""The circuit breaker against the sandbox: a burst of 503s opens it, calls then fail fast
without reaching Spotify, and it recovers (or reopens) after the cool-down."""

from __future__ import annotations

import time

import pytest
from faultkit import Pipeline, SandboxAdmin, build_pipeline, metric
from spotipy import SpotifyException

from spotify_mcp.app import App
from spotify_mcp.errors import CircuitOpen, RateLimited
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox

COOLDOWN_S = 0.3
SETTINGS = {"failure_threshold": 3, "cooldown_s": COOLDOWN_S}


def open_profile_circuit(sandbox: Sandbox, admin: SandboxAdmin) -> Pipeline:
    """A pipeline whose ``profile`` circuit has just opened after three 503s (retry makes
    the three attempts of one call: each attempt counts)."""
    pipeline = build_pipeline(sandbox, breaker=SETTINGS, retry={"max_attempts": 3})
    admin.fault("/me", status=503, times=3)
    with pytest.raises(SpotifyException):
        pipeline.spotify.me()
    return pipeline


def state(family: str) -> float | None:
    return metric("spotify_mcp_breaker_state", family=family)


def test_a_burst_of_503s_opens_the_circuit_and_calls_fail_fast(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    opened = metric("spotify_mcp_breaker_transitions_total", family="profile", to="open")
    pipeline = open_profile_circuit(sandbox, admin)
    assert state("profile") == 2
    assert metric("spotify_mcp_breaker_transitions_total", family="profile", to="open") == (
        opened + 1
    )
    sent = len(admin.log())
    with pytest.raises(CircuitOpen) as raised:
        pipeline.spotify.me()
    assert raised.value.family == "profile"
    assert "profile endpoints failed repeatedly" in str(raised.value)
    assert 0 < raised.value.retry_after <= COOLDOWN_S
    assert len(admin.log()) == sent  # failed fast: nothing reached Spotify
    assert pipeline.breaker.open_circuits().keys() == {"profile"}


def test_it_recovers_after_the_cool_down(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = open_profile_circuit(sandbox, admin)
    time.sleep(COOLDOWN_S)  # waits out the cool-down; nothing is asserted about time
    assert pipeline.spotify.me()["id"] == "sandboxpremium"  # the half-open trial succeeds
    assert state("profile") == 0
    assert pipeline.breaker.open_circuits() == {}
    assert pipeline.spotify.me()["id"] == "sandboxpremium"


def test_an_idle_circuit_turns_half_open_when_its_cool_down_is_over(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """Readiness must not report an outage that is over only because no call came since."""
    pipeline = open_profile_circuit(sandbox, admin)
    time.sleep(COOLDOWN_S)
    assert pipeline.breaker.open_circuits() == {}
    assert state("profile") == 1
    assert pipeline.spotify.me()["id"] == "sandboxpremium"  # the trial
    assert state("profile") == 0


def test_the_state_gauge_shows_an_idle_circuit_half_open_after_its_cool_down(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """A scrape alone (no call, no health check) must not keep SpotifyMCPBreakerOpen firing."""
    half_opened = metric("spotify_mcp_breaker_transitions_total", family="profile", to="half-open")
    pipeline = open_profile_circuit(sandbox, admin)
    time.sleep(COOLDOWN_S)
    assert state("profile") == 1
    assert state("profile") == 1  # the transition is counted once, not at every scrape
    assert metric("spotify_mcp_breaker_transitions_total", family="profile", to="half-open") == (
        half_opened + 1
    )
    assert pipeline.spotify.me()["id"] == "sandboxpremium"  # the trial
    assert state("profile") == 0


def test_a_failed_trial_opens_it_again(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = open_profile_circuit(sandbox, admin)
    time.sleep(COOLDOWN_S)
    admin.fault("/me", status=503, times=1)
    with pytest.raises(CircuitOpen):  # the trial fails; retry's next attempt is refused
        pipeline.spotify.me()
    assert state("profile") == 2
    assert [e["status"] for e in admin.log("/me")][-1] == 503


def test_other_families_keep_working(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = open_profile_circuit(sandbox, admin)
    assert pipeline.spotify.current_user_playlists(limit=1)["items"]
    assert pipeline.breaker.open_circuits().keys() == {"profile"}


def test_4xx_and_429_do_not_open_it(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = build_pipeline(sandbox, breaker=SETTINGS, retry={"max_attempts": 1})
    for _ in range(4):
        with pytest.raises(SpotifyException):
            pipeline.spotify.track("0000000000000000000000")  # 404
    admin.fault("/me", status=429, retry_after=0, times=4)
    for _ in range(4):
        with pytest.raises(RateLimited):  # retry gives up at once: max_attempts is 1
            pipeline.spotify.me()
    assert pipeline.breaker.open_circuits() == {}
    assert pipeline.spotify.me()["id"] == "sandboxpremium"


def test_an_open_circuit_spends_no_limiter_tokens(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    pipeline = open_profile_circuit(sandbox, admin)
    waits = metric("spotify_mcp_limiter_wait_seconds_count")
    for _ in range(5):
        with pytest.raises(CircuitOpen):
            pipeline.spotify.me()
    assert metric("spotify_mcp_limiter_wait_seconds_count") == waits


def test_readiness_fails_while_a_circuit_is_open_naming_it(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    app = App.create(
        {
            "api_base_url": sandbox.api_url,
            "access_token": sandbox.token(PREMIUM_USER, expires_in=10**7),
            "breaker": SETTINGS,
            "retry": {"max_attempts": 3, "base_delay_s": 0.01},
            "plugins": {"disabled": ["cache"]},
        }
    )
    check = next(check for check in app.health if check.name == "breaker")
    assert check.kind == "readiness"
    assert "closed" in check.fn(app)
    admin.fault("/me", status=503, times=3)
    with pytest.raises(SpotifyException):
        app.spotify().me()
    with pytest.raises(RuntimeError, match=r"profile \(trial call in 1 s\)"):
        check.fn(app)
    time.sleep(COOLDOWN_S)
    app.spotify().me()
    assert "closed" in check.fn(app)
