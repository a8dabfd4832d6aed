"""A served stored login: refreshed before expiry and after a 401, once however many calls
wait for it, persisted; a revoked login becomes the login hint."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from authkit import CLIENT_ID, Setup
from stdio_server import StdioServer, text_of

from spotify_mcp.auth import RefreshingCredentials
from spotify_mcp.auth.store import StoredLogin, TokenFile
from spotify_mcp.config import Paths, load_config
from spotify_mcp.sandbox import PREMIUM_USER

CONCURRENT = 16
SERVERS = 3


def api_calls(setup: Setup) -> list[tuple[str, int]]:
    return [(r["path"], r["status"]) for r in setup.sandbox.requests() if r["path"] == "/v1/me"]


def test_concurrent_calls_at_expiry_refresh_once(logged_in: Setup) -> None:
    logged_in.age_token()
    before = logged_in.stored()
    logged_in.sandbox.clear_requests()
    with StdioServer(env=logged_in.env, home=logged_in.home) as server:
        results = server.gather([("probe_me", {})] * CONCURRENT)
    assert [r.structured_content for r in results] == [{"id": PREMIUM_USER}] * CONCURRENT
    assert len(logged_in.token_requests()) == 1
    assert api_calls(logged_in) == [("/v1/me", 200)] * CONCURRENT  # no 401: renewed before
    after = logged_in.stored()
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]


def test_servers_sharing_a_login_renew_it_once(logged_in: Setup) -> None:
    """Spotify retires a refresh token once it is used: servers renewing at the same moment
    would log each other out, unless they take turns and the later ones reuse the result."""
    logged_in.age_token()
    # A slow accounts service, so that every server's renewal would overlap the others'.
    logged_in.sandbox.add_fault(method="POST", path="/api/token", latency_ms=400, times=SERVERS)
    logged_in.sandbox.clear_requests()
    with ExitStack() as stack:
        servers = [
            stack.enter_context(StdioServer(env=logged_in.env, home=logged_in.home))
            for _ in range(SERVERS)
        ]
        with ThreadPoolExecutor(SERVERS) as pool:
            results = list(pool.map(lambda server: server.call("probe_me"), servers))
    logged_in.sandbox.clear_faults()  # the latency rule's unused turns: not for later tests
    assert all(not r.is_error for r in results), [text_of(r) for r in results]
    assert [r.structured_content for r in results] == [{"id": PREMIUM_USER}] * SERVERS
    assert len(logged_in.token_requests()) == 1


def test_a_401_refreshes_once_then_succeeds(logged_in: Setup) -> None:
    sandbox = logged_in.sandbox
    with StdioServer(env=logged_in.env, home=logged_in.home) as server:
        server.call_ok("probe_me")
        sandbox.clear_requests()
        sandbox.add_fault(method="GET", path="/v1/me", status=401, times=1)
        assert server.call_ok("probe_me") == {"id": PREMIUM_USER}
        assert len(logged_in.token_requests()) == 1
        assert api_calls(logged_in) == [("/v1/me", 401), ("/v1/me", 200)]

        # Access tokens revoked (the refresh token kept): every call gets a 401, one refreshes.
        sandbox.clear_requests()
        sandbox.revoke(user=PREMIUM_USER, refresh_token="none of them", access_tokens=True)
        results = server.gather([("probe_me", {})] * CONCURRENT)
        assert all(not r.is_error for r in results), [text_of(r) for r in results]
        assert len(logged_in.token_requests()) == 1
        assert api_calls(logged_in).count(("/v1/me", 200)) == CONCURRENT


def test_a_revoked_login_asks_to_log_in_again(logged_in: Setup) -> None:
    logged_in.sandbox.revoke(refresh_token=logged_in.stored()["refresh_token"])
    logged_in.age_token()
    with StdioServer(env=logged_in.env, home=logged_in.home) as server:
        error = server.call_error("probe_me")
        assert server.call_ok("server_info")["login"] == "user"
        assert "Your Spotify login has expired or was revoked." in error
        assert "spotify-mcp auth login" in error
        assert logged_in.stored()["refresh_token"] not in error

        assert logged_in.login().returncode == 0  # the running server takes the new login
        assert server.call_ok("probe_me") == {"id": PREMIUM_USER}


def test_a_renewed_login_that_cannot_be_stored_is_kept(
    logged_in: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk must not log the user out: the stored refresh token is already retired
    once it has been used, so the renewed login lives in memory until it can be stored."""
    overrides = {"accounts_base_url": logged_in.sandbox.base_url, "client_id": CLIENT_ID}
    settings = load_config(Paths.discover(), overrides).settings
    logged_in.age_token()
    logged_in.sandbox.clear_requests()
    file = TokenFile(logged_in.token_file)
    credentials = RefreshingCredentials(file, settings)

    def disk_full(self: TokenFile, login: StoredLogin) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TokenFile, "save", disk_full)
    first = credentials.access_token()
    second = credentials.refresh(rejected=first)  # with the refresh token only memory holds
    assert second not in (None, first)
    assert logged_in.stored()["expires_at"] == 0  # the file still holds the aged login

    monkeypatch.undo()
    third = credentials.refresh(rejected=second)
    assert logged_in.stored()["access_token"] == third
    assert RefreshingCredentials(file, settings).access_token() == third
    assert len(logged_in.token_requests()) == 3
