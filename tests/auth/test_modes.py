"""Which credentials the server uses, and what it offers without a user login: catalog
mode (client credentials) and no credentials at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from authkit import CLIENT_ID, Setup
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from stdio_server import RawStdio, StdioServer

from spotify_mcp.app import App
from spotify_mcp.auth import (
    CatalogUntilLogin,
    RefreshingCredentials,
    StaticToken,
    StoredLogin,
    TokenFile,
)
from spotify_mcp.config import Paths
from spotify_mcp.sandbox import PREMIUM_USER


def test_no_credentials_lists_tools_and_every_call_says_how_to_log_in(setup: Setup) -> None:
    serve_env = {k: v for k, v in setup.env.items() if k != "SPOTIFY_CLIENT_ID"}
    with StdioServer(env=serve_env, home=setup.home) as server:
        names = {tool.name for tool in server.list_tools()}
        assert {"probe_me", "probe_catalog", "server_info"} <= names
        assert server.call_ok("server_info")["login"] == "none"
        for tool in ("probe_me", "probe_catalog"):
            error = server.call_error(tool)
            assert "Not logged in to Spotify." in error
            assert "spotify-mcp auth login" in error and "--sandbox" in error
        assert setup.sandbox.requests() == []

        assert setup.login().returncode == 0  # in a terminal, while the server runs
        assert server.call_ok("probe_me") == {"id": PREMIUM_USER}
        assert server.call_ok("server_info")["login"] == "user"


def test_catalog_mode_offers_only_tools_that_need_no_user(setup: Setup) -> None:
    setup.env["SPOTIFY_CLIENT_SECRET"] = "catalog-secret"
    listed = setup.cli("tools", "list").stdout
    assert "hidden: catalog mode (app-only login)" in listed.split("probe_me", 1)[1]
    with StdioServer(env=setup.env, home=setup.home) as server:
        names = {tool.name for tool in server.list_tools()}
        assert "probe_catalog" in names and "probe_me" not in names
        results = server.gather([("probe_catalog", {})] * 16)
        totals = {r.structured_content["total"] for r in results}
        assert len(totals) == 1 and totals.pop() > 0
        assert server.call_ok("server_info")["login"] == "app"
    assert [r["path"] for r in setup.token_requests()] == ["/api/token"]
    status = json.loads(setup.cli("auth", "status", "--json").stdout)
    assert status["login"] == "app" and status["client_id"] == CLIENT_ID


def test_catalog_mode_offers_only_resources_and_prompts_that_need_no_user(setup: Setup) -> None:
    setup.env["SPOTIFY_CLIENT_SECRET"] = "catalog-secret"
    setup.env["SPOTIFY_MCP_PLUGINS__DISABLED"] = "[]"  # every tool group, with its resources
    with StdioServer(env=setup.env, home=setup.home) as server:
        call = server.portal.call
        assert not call(server.client.list_resources).resources  # me, playback, playlists
        templates = call(server.client.list_resource_templates).resource_templates
        assert {t.uri_template for t in templates} == {
            f"spotify://{kind}/{{id}}" for kind in ("album", "artist", "track")
        }
        assert not call(server.client.list_prompts).prompts  # each needs a user's tools
        for uri in ("spotify://me", f"spotify://playlist/{'a' * 22}"):
            with pytest.raises(MCPError, match="is not offered: catalog mode") as refused:
                call(server.client.read_resource, uri)
            assert refused.value.error.code == INVALID_PARAMS
        with pytest.raises(MCPError, match="prompt whats_playing is not offered: catalog mode"):
            call(server.client.get_prompt, "whats_playing", {})
    assert not [r for r in setup.sandbox.requests() if r["path"].startswith("/v1/")]


def test_a_login_stored_in_catalog_mode_adds_the_user_tools_without_a_restart(
    setup: Setup,
) -> None:
    setup.env["SPOTIFY_CLIENT_SECRET"] = "catalog-secret"
    with RawStdio(env=setup.env, home=setup.home) as raw:
        raw.send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": RawStdio.HELLO})
        capabilities = raw.receive()["result"]["capabilities"]
        for listed in LISTS:
            assert capabilities[listed]["listChanged"] is True
        raw.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert "probe_me" not in tool_names(raw, 1)

        assert setup.login().returncode == 0  # in a terminal, while the server runs
        for listed in LISTS:
            method = f"notifications/{listed}/list_changed"
            assert raw.receive() == {"jsonrpc": "2.0", "method": method}
        assert "probe_me" in tool_names(raw, 2)
        raw.send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": PROBE_ME})
        assert raw.receive()["result"]["structuredContent"] == {"id": PREMIUM_USER}


PROBE_ME = {"name": "probe_me", "arguments": {}}
LISTS = ("tools", "resources", "prompts")  # what a login adds to


def tool_names(raw: RawStdio, request_id: int) -> set[str]:
    raw.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/list"})
    return {tool["name"] for tool in raw.receive()["result"]["tools"]}


APP = {"SPOTIFY_CLIENT_ID": "c", "SPOTIFY_CLIENT_SECRET": "s"}


def stored_login() -> StoredLogin:
    return StoredLogin("stored-access", "stored-refresh", 0.0, 3600.0, (), "c", "u", "U", 0.0)


@pytest.mark.parametrize(
    ("env", "stored", "expected", "kind"),
    [
        ({"SPOTIFY_ACCESS_TOKEN": "static"}, True, StaticToken, "user"),
        (APP, True, RefreshingCredentials, "user"),
        (APP, False, CatalogUntilLogin, "app"),
        ({"SPOTIFY_CLIENT_ID": "c"}, False, RefreshingCredentials, "none"),
    ],
)
def test_precedence(
    env: dict[str, str],
    stored: bool,
    expected: type,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
) -> None:
    """Static token > stored login > client credentials > none."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if stored:
        TokenFile.of(Paths.discover()).save(stored_login())
    app = App.create({"plugins": {"disabled": ["cache"]}})
    assert app.login_kind == kind == app.credentials.kind
    assert type(app.credentials) is expected
    assert "stored-access" not in repr(app.credentials)
