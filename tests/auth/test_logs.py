"""After a session at debug level (login, refreshes, calls, errors), no access or refresh
token appears in any log output."""

from __future__ import annotations

from authkit import Setup
from stdio_server import StdioServer


def test_no_token_in_any_log_at_debug_level(setup: Setup) -> None:
    setup.env["SPOTIFY_MCP_LOG_LEVEL"] = "DEBUG"
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
