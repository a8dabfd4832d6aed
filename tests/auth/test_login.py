"""``auth login`` end to end against the sandbox's accounts service, as a real subprocess:
authorize (auto-approved), callback or pasted redirect, token stored 0600, ``auth status``,
a tool call, expiry and refresh, ``auth logout``."""

from __future__ import annotations

import json
import stat
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from authkit import CLIENT_ID, Setup, approve, via_callback
from stdio_server import free_port

from spotify_mcp.sandbox import PREMIUM_USER


def test_login_status_call_refresh_logout(setup: Setup) -> None:
    login = setup.login()
    assert login.returncode == 0, login.stderr
    query = parse_qs(urlsplit(login.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert "user-read-private" in query["scope"][0].split()  # from the probe plugin's hook
    assert "Logged in as" in login.stdout and PREMIUM_USER in login.stdout
    # Spotify's page, not this command, shows a wrong redirect URI: the fix is said up front.
    redirect = query["redirect_uri"][0]
    assert f'"INVALID_CLIENT: Invalid redirect URI", add {redirect} under' in login.stderr
    assert stat.S_IMODE(setup.token_file.stat().st_mode) == 0o600
    # No temporary file left; the lock servers renew under (taken by login to check it can write)
    assert sorted(p.name for p in setup.token_file.parent.iterdir()) == [
        ".token.json.lock",
        "token.json",
    ]

    status = json.loads(setup.cli("auth", "status", "--json").stdout)
    assert status["login"] == "user" and status["source"] == "stored"
    assert status["user"]["id"] == PREMIUM_USER
    assert status["missing_scopes"] == [] and not status["expired"]
    assert status["stored_privately"]

    called = setup.cli("tools", "call", "probe_me")
    assert json.loads(called.stdout) == {"id": PREMIUM_USER}

    before = setup.stored()
    setup.age_token()
    setup.sandbox.clear_requests()
    assert json.loads(setup.cli("tools", "call", "probe_me").stdout) == {"id": PREMIUM_USER}
    after = setup.stored()
    assert len(setup.token_requests()) == 1
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]  # the sandbox rotates it
    assert after["expires_at"] > before["expires_at"]
    assert stat.S_IMODE(setup.token_file.stat().st_mode) == 0o600

    assert "Logged out" in setup.cli("auth", "logout").stdout
    assert not setup.token_file.exists()
    assert setup.cli("auth", "status", check=False).returncode == 1
    error = setup.cli("tools", "call", "probe_me", check=False)
    assert error.returncode == 1 and "spotify-mcp auth login" in error.stderr


def test_an_account_the_app_has_not_been_given_is_told_how_to_add_it(setup: Setup) -> None:
    message = "User not registered in the Developer Dashboard"
    setup.sandbox.add_fault(method="GET", path="/v1/me", status=403, message=message)
    login = setup.login()
    assert login.returncode == 0, login.stderr  # the login itself went through
    assert f"({message}): the Spotify app is in Development Mode" in login.stderr
    assert "under User Management in the app's settings" in login.stderr


def test_closing_stdin_says_the_login_still_waits_for_the_browser(setup: Setup) -> None:
    def browser_comes_back_later(url: str) -> str:
        threading.Timer(1.0, via_callback, [url]).start()
        return ""  # nothing pasted: stdin closes first

    login = setup.login(browser_comes_back_later)
    assert login.returncode == 0, login.stderr
    assert "Nothing more can be pasted; waiting up to 5 minutes for the browser" in login.stderr


def test_pasted_redirect_logs_in(setup: Setup) -> None:
    login = setup.login(approve)
    assert login.returncode == 0, login.stderr
    assert "Invalid redirect URI" in login.stderr
    assert setup.stored()["user_id"] == PREMIUM_USER


def test_browser_login_on_another_port(setup: Setup, tmp_path: Path) -> None:
    """``webbrowser`` runs $BROWSER: a stand-in browser that follows the redirects, here to
    the callback server on the ``--port`` given."""
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!{sys.executable}\nimport sys, requests\nrequests.get(sys.argv[1], timeout=10)\n"
    )
    browser.chmod(0o700)
    setup.env["BROWSER"] = str(browser)
    port = free_port()
    done = setup.cli("auth", "login", "--port", str(port))
    assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback" in done.stdout
    assert "Logged in as" in done.stdout
    assert setup.stored()["user_id"] == PREMIUM_USER


def test_missing_scopes_are_reported(setup: Setup) -> None:
    assert setup.login().returncode == 0
    setup.env["AUTHPROBE_SCOPES"] = "user-read-private ugc-image-upload"
    status = setup.cli("auth", "status")
    assert "lacks scopes that enabled plugins need: ugc-image-upload" in status.stdout
    report = json.loads(setup.cli("auth", "status", "--json").stdout)
    assert report["missing_scopes"] == ["ugc-image-upload"]


def test_a_redirect_from_another_login_is_refused(setup: Setup) -> None:
    """The callback server ignores a wrong ``state``; a pasted one ends the login."""
    forged = f"{setup.env['SPOTIFY_REDIRECT_URI']}?code=stolen&state=not-this-login"

    def forge(url: str) -> str:
        assert requests.get(forged, timeout=10).status_code == 400  # still waiting
        return forged

    login = setup.login(forge)
    assert login.url.startswith(setup.sandbox.base_url)
    assert login.returncode == 1
    assert "another login attempt" in login.stderr
    assert not setup.token_file.exists()


def test_login_needs_a_client_id_and_a_loopback_ip(setup: Setup) -> None:
    del setup.env["SPOTIFY_CLIENT_ID"]
    done = setup.cli("auth", "login", "--no-browser", check=False)
    assert done.returncode == 1
    assert "developer.spotify.com" in done.stderr and "SPOTIFY_CLIENT_ID" in done.stderr
    setup.env["SPOTIFY_CLIENT_ID"] = CLIENT_ID
    setup.env["SPOTIFY_REDIRECT_URI"] = "http://localhost:8888/callback"
    done = setup.cli("auth", "login", "--no-browser", check=False)
    assert done.returncode == 1 and "http://127.0.0.1:8888/callback" in done.stderr
