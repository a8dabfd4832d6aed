"""Plugins load by entry point, can be disabled before import, fail alone, never collide."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from plugin_kit import HELLO_PLUGIN, core_app, install_dist
from pydantic import BaseModel
from stdio_server import StdioServer, run_cli

from spotify_mcp import hookimpl
from spotify_mcp.app import App
from spotify_mcp.registry import DuplicateNameError


def plugin_rows(*args: str) -> dict[str, dict]:
    result = run_cli("plugins", "list", "--json", *args)
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_third_party_plugin_is_listed_with_its_distribution(plugin_site: Path) -> None:
    hello = plugin_rows()["hello"]
    assert hello["distribution"] == "spotify-mcp-hello"
    assert hello["version"] == "1.2.3"
    assert hello["kinds"] == ["tools"]
    assert hello["enabled"] is True
    assert hello["tools"] == ["hello_greet", "hello_rendezvous"]
    assert hello["error"] is None


def test_the_listing_names_http_routes_and_keeps_its_columns() -> None:
    assert "http" in plugin_rows()["health"]["kinds"]  # /healthz and /readyz
    listed = run_cli("plugins", "list")
    rows = [line for line in listed.stdout.splitlines() if line and not line.startswith(" ")]
    plugins = [line for line in rows if not line.startswith("pipeline:")]
    statuses = [re.search(r" (enabled|disabled|failed) ", line) for line in plugins]
    assert len(plugins) > 5 and all(statuses), listed.stdout
    assert len({status.start() for status in statuses if status}) == 1, listed.stdout


def test_broken_plugin_is_reported_and_the_rest_still_load(plugin_site: Path) -> None:
    rows = plugin_rows()
    assert "boom: this plugin cannot be imported" in rows["broken"]["error"]
    assert rows["broken"]["distribution"] == "spotify-mcp-broken"
    assert rows["hello"]["error"] is None
    info = run_cli("tools", "call", "server_info")
    assert info.returncode == 0, info.stderr
    assert "broken" in json.loads(info.stdout)["failed"]


def test_a_pack_cannot_replace_a_built_in_plugin_by_taking_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    install_dist(site, "spotify-mcp-shadow", "6.6.6", {"server_plugin": HELLO_PLUGIN})
    # "server = server_plugin": first on the path, where it would win a first-come race.
    (site / "spotify_mcp_shadow-6.6.6.dist-info" / "entry_points.txt").write_text(
        "[spotify_mcp]\nserver = server_plugin\n"
    )
    monkeypatch.syspath_prepend(str(site))
    try:
        app = App.create()
    finally:
        sys.modules.pop("server_plugin", None)
    assert app.plugins.info["server"].distribution == "spotify-mcp"
    assert "server_info" in app.tools and "hello_greet" not in app.tools
    shadow = app.plugins.info["server (spotify-mcp-shadow)"]
    assert shadow.error == "spotify-mcp already provides a plugin named 'server'"


SETTINGS_PLUGIN = """
from pydantic import BaseModel

from spotify_mcp import hookimpl


class Mine(BaseModel):
    mine: int = 1


@hookimpl
def plugin_settings():
    return Mine
"""


def test_a_plugin_cannot_take_the_name_of_a_core_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its settings section would replace the core's (serve --http then crashed)."""
    site = tmp_path / "site"
    install_dist(site, "spotify-mcp-http", "1.0", {"http_plugin": SETTINGS_PLUGIN})
    monkeypatch.syspath_prepend(str(site))
    app = App.create(inline_plugins=[("market", Registers("market_tool"))])
    assert "http_plugin" not in sys.modules  # refused before import
    assert app.config.settings.http.path == "/mcp"
    reason = "is the name of a core setting; a plugin cannot take it"
    assert app.plugins.info["http"].error == f"'http' {reason}"
    assert app.plugins.info["market"].error == f"'market' {reason}"
    assert "market_tool" not in app.tools and "market" not in app.plugins.loaded()


class Noisy:
    """Prints in every hook it runs at startup, as a careless plugin would."""

    @hookimpl
    def plugin_settings(self) -> None:
        print("noisy settings")

    @hookimpl
    def register_tools(self, registry) -> None:
        print("noisy tools")

    @hookimpl
    def startup(self, app) -> None:
        print("noisy startup")


def test_what_a_plugin_prints_while_loading_goes_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """stdout is the MCP channel over stdio, and the output of plugins list --json."""
    site = tmp_path / "site"
    install_dist(site, "spotify-mcp-loud", "1.0", {"loud_plugin": 'print("loud import")'})
    monkeypatch.syspath_prepend(str(site))
    try:
        app = App.create(inline_plugins=[("noisy", Noisy())])
    finally:
        sys.modules.pop("loud_plugin", None)
    app.start()
    app.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    for line in ("loud import", "noisy settings", "noisy tools", "noisy startup"):
        assert line in captured.err


def test_disabled_plugin_is_never_imported(plugin_site: Path) -> None:
    app = App.create({"plugins": {"disabled": ["broken"]}})
    assert app.plugins.info["broken"].enabled is False
    assert app.plugins.info["broken"].error is None
    assert "broken_plugin" not in sys.modules
    assert "hello_greet" in app.tools


def test_disable_and_enable_change_what_clients_see(plugin_site: Path, tmp_path: Path) -> None:
    home = Path(os.environ["SPOTIFY_MCP_HOME"])
    env = {"PYTHONPATH": os.environ["PYTHONPATH"], "SPOTIFY_MCP_HOME": str(home)}

    def tool_names() -> set[str]:
        with StdioServer(env=env, home=home) as server:
            return {tool.name for tool in server.list_tools()}

    assert "hello_greet" in tool_names()

    disabled = run_cli("plugins", "disable", "hello")
    assert disabled.returncode == 0, disabled.stderr
    assert plugin_rows()["hello"]["enabled"] is False
    assert "hello_greet" not in tool_names()

    enabled = run_cli("plugins", "enable", "hello")
    assert enabled.returncode == 0, enabled.stderr
    assert "hello_greet" in tool_names()


def test_unknown_plugin_name_lists_the_known_ones() -> None:
    result = run_cli("plugins", "disable", "no-such-plugin")
    assert result.returncode != 0
    assert "no plugin named 'no-such-plugin'" in result.stderr
    assert "server" in result.stderr


def test_core_part_cannot_be_disabled() -> None:
    result = run_cli("plugins", "disable", "server")
    assert result.returncode != 0
    assert "cannot be disabled" in result.stderr


class Reply(BaseModel):
    value: str


def _tool(name: str):  # a distinct function per registration, named for the tool
    def fn() -> Reply:
        """A test tool."""
        return Reply(value=name)

    fn.__name__ = name
    return fn


class Registers:
    def __init__(self, *names: str, fail: bool = False) -> None:
        self.names, self.fail = names, fail

    @hookimpl
    def register_tools(self, registry) -> None:
        for name in self.names:
            registry.add(_tool(name), title=name, read_only=True)
        if self.fail:
            raise RuntimeError("registration went wrong")


def test_two_plugins_with_the_same_tool_name_fail_startup_naming_both() -> None:
    with pytest.raises(DuplicateNameError) as error:
        core_app(inline_plugins=[("alpha", Registers("dup")), ("beta", Registers("dup"))])
    assert "'dup'" in str(error.value)
    assert "'alpha'" in str(error.value) and "'beta'" in str(error.value)


def test_plugin_whose_registration_raises_is_left_out_entirely() -> None:
    app = core_app(
        inline_plugins=[("good", Registers("kept")), ("bad", Registers("dropped", fail=True))]
    )
    assert "kept" in app.tools
    assert "dropped" not in app.tools
    assert "registration went wrong" in app.plugins.info["bad"].error
    assert "bad" not in app.plugins.loaded()


def untyped_tool():  # no pydantic model to give an output schema
    """A tool no server could offer."""
    return {"value": 1}


async def async_tool() -> Reply:
    """Tools run in worker threads: a coroutine function would never be awaited."""
    return Reply(value="never")


class RegistersBadly:
    def __init__(self, fn) -> None:
        self.fn = fn

    @hookimpl
    def register_tools(self, registry) -> None:
        registry.add(self.fn, title="Bad", read_only=True)


@pytest.mark.parametrize(
    ("fn", "reason"),
    [
        (untyped_tool, "must be annotated to return a pydantic model"),
        (async_tool, "must be a plain function"),
    ],
)
def test_a_tool_no_server_could_offer_fails_its_plugin_at_load(fn, reason: str) -> None:
    """Not only when a server is built: plugins list and tools list see it too."""
    app = core_app(inline_plugins=[("careless", RegistersBadly(fn))])
    assert reason in app.plugins.info["careless"].error
    assert fn.__name__ not in app.tools


def test_tools_are_attributed_to_the_plugin_that_registered_them() -> None:
    app = core_app(inline_plugins=[("mine", Registers("mine_tool"))])
    assert app.tools.get("mine_tool").plugin == "mine"
    assert app.tools.get("server_info").plugin == "server"
