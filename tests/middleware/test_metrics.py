"""The metrics middleware and plugin: request and tool-call metrics, labels without raw IDs,
and /metrics served beside the stdio server (with every other middleware disabled)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from faultkit import SandboxAdmin, metric
from obskit import cached_session, scrape
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from spotipy import SpotifyException
from stdio_server import StdioServer, free_port, sandbox_env

from spotify_mcp.auth import StaticToken
from spotify_mcp.errors import CircuitOpen, LoginRequired, MaybeMade
from spotify_mcp.middleware.metrics import Metrics, error_kind
from spotify_mcp.middleware.retry import NotRepeated, Retry, RetrySettings
from spotify_mcp.pipeline import ConnectError, ConnectionLost, RequestTimeout
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST
from spotify_mcp.session import Spotify, build_session

REQUESTS = "spotify_mcp_spotify_requests_total"
DURATION_COUNT = "spotify_mcp_spotify_request_duration_seconds_count"


def metrics_only(sb: Sandbox) -> Spotify:
    credentials = StaticToken(sb.token(PREMIUM_USER, expires_in=10**7), PREMIUM_USER)
    return build_session([Metrics()], credentials, sb.api_url)


def sample(text: str, name: str, **labels: str) -> float | None:
    """A sample's value in a /metrics exposition, or None when absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


def test_requests_are_counted_by_endpoint_template_never_by_id(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    labels = {"method": "GET", "endpoint": "/playlists/{id}", "status": "200", "cache": "none"}
    before = metric(REQUESTS, **labels)
    timed = metric(DURATION_COUNT, method="GET", endpoint="/playlists/{id}", cache="none")
    metrics_only(sandbox).playlist(DEEP_FOCUS_PLAYLIST)
    assert metric(REQUESTS, **labels) == before + 1
    assert metric(DURATION_COUNT, method="GET", endpoint="/playlists/{id}", cache="none") == (
        timed + 1
    )
    every_label = {
        value
        for family in REGISTRY.collect()
        for found in family.samples
        for value in found.labels.values()
    }
    assert not any(DEEP_FOCUS_PLAYLIST in value for value in every_label)


def test_statuses_and_transport_errors_are_labelled(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    spotify = metrics_only(sandbox)
    not_found = {"method": "GET", "endpoint": "/albums/{id}", "status": "404", "cache": "none"}
    lost = {"method": "GET", "endpoint": "/me", "status": "connection_lost", "cache": "none"}
    before = (metric(REQUESTS, **not_found), metric(REQUESTS, **lost))
    with pytest.raises(SpotifyException):
        spotify.album("0000000000000000000000")
    admin.fault("/me", drop_connection=True)
    with pytest.raises(ConnectionLost):
        spotify.me()
    assert (metric(REQUESTS, **not_found), metric(REQUESTS, **lost)) == (
        before[0] + 1,
        before[1] + 1,
    )


def test_cache_results_label_requests(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, _ = cached_session(sandbox, tmp_path, outer=[Metrics()])
    album = spotify.search("a", type="album", limit=1)["albums"]["items"][0]["id"]
    labels = {"method": "GET", "endpoint": "/albums/{id}", "status": "200"}
    before = {cache: metric(REQUESTS, **labels, cache=cache) for cache in ("hit", "miss")}
    for _ in range(3):
        spotify.album(album)
    after = {cache: metric(REQUESTS, **labels, cache=cache) for cache in ("hit", "miss")}
    assert after == {"hit": before["hit"] + 2, "miss": before["miss"] + 1}


def test_errors_without_a_status_get_a_bounded_label() -> None:
    assert error_kind(ConnectionLost("x")) == "connection_lost"
    assert error_kind(ConnectError("x")) == "connect_error"
    assert error_kind(RequestTimeout("x")) == "request_timeout"
    assert error_kind(CircuitOpen("player", 3)) == "circuit_open"
    assert error_kind(MaybeMade(CircuitOpen("player", 3))) == "circuit_open"  # what stopped it
    assert error_kind(LoginRequired()) == "login_required"
    assert error_kind(ValueError("anything at all")) == "error"


def test_a_5xx_that_retry_will_not_repeat_keeps_its_status(
    sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    metrics = Metrics()
    retry = Retry(RetrySettings(base_delay_s=0.01))
    credentials = StaticToken(sandbox.token(PREMIUM_USER, expires_in=10**7), PREMIUM_USER)
    spotify = build_session([metrics, retry], credentials, sandbox.api_url)
    labels = {"method": "POST", "endpoint": "/me/player/next", "status": "503", "cache": "none"}
    before = metric(REQUESTS, **labels)
    admin.fault("/me/player/next", method="POST", status=503, times=1)
    with pytest.raises(NotRepeated):
        spotify.next_track()
    assert metric(REQUESTS, **labels) == before + 1


def test_metrics_endpoint_beside_stdio_with_only_metrics(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **sandbox_env(sandbox),
        "SPOTIFY_MCP_PLUGINS__DISABLED": json.dumps(["cache", "retry", "breaker", "limiter"]),
    }
    with StdioServer("--metrics-port", str(port), env=env, home=tmp_path) as server:
        assert server.call_ok("server_info")["pipeline"] == ["metrics(100)"]
        server.call_ok("search", query="metrics", types=["artist"])
        server.call_error("playlists_get", playlist="0000000000000000000000")
        server.call("no_such_tool")
        text = scrape(port)
    assert sample(text, "spotify_mcp_tool_calls_total", tool="server_info", outcome="ok") == 1
    assert sample(text, "spotify_mcp_tool_calls_total", tool="playlists_get", outcome="error") == 1
    assert sample(text, "spotify_mcp_tool_calls_total", tool="unknown", outcome="error") == 1
    assert sample(text, "spotify_mcp_tool_call_duration_seconds_count", tool="search") == 1
    search = {"method": "GET", "endpoint": "/search", "status": "200", "cache": "none"}
    assert sample(text, REQUESTS, **search) == 1
    with pytest.raises(requests.ConnectionError):
        scrape(port)  # stopped with the server
