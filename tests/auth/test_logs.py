"""After a session at debug level (login, refreshes, calls, errors), no access or refresh
token appears in any log output."""

from __future__ import annotations

import json

import pytest
from authkit import Setup
from stdio_server import StdioServer


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_token_in_any_log_at_debug_level(setup: Setup, log_format: str) -> None:
    setup.env["SPOTIFY_MCP_LOG_LEVEL"] = "DEBUG"
    setup.env["SPOTIFY_MCP_LOG_FORMAT"] = log_format
    login = setup.login()
    assert login.returncode == 0, login.stderr
    outputs = [login.stdout, login.stderr]
    tokens: set[str] = set()

    def remember() -> None:
        stored = setup.stored()
        tokens.update((stored["access_token"], stored["refresh_token"]))

    remember()
    setup.age_token()  # the first call refreshes
    with StdioServer(env=setup.env, home=setup.home) as server:
        server.call_ok("probe_me")
        remember()
        setup.sandbox.add_fault(method="GET", path="/v1/me", status=401, times=1)
        server.call_ok("probe_me")  # refreshes after the 401
        remember()
        setup.sandbox.add_fault(method="GET", path="/v1/search", status=404, times=1)
        server.call_error("probe_catalog")
    outputs.append(server.log_text())
    status = setup.cli("auth", "status")
    outputs += [status.stdout, status.stderr]

    assert len(tokens) == 6  # three logins' worth: the login and two refreshes
    assert "DEBUG" in outputs[2] and "GET /me -> 401" in outputs[2]  # the log can show a leak
    for output in outputs:
        for token in tokens:
            assert token not in output
    if log_format == "json":  # every line of the server's log, from its first
        assert all(json.loads(line)["level"] for line in outputs[2].splitlines())
