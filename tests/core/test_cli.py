"""The command line: listing, calling a tool, exit codes."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from stdio_server import run_cli


def test_tools_list_shows_plugin_title_and_annotations() -> None:
    result = run_cli("tools", "list", "--json")
    assert result.returncode == 0, result.stderr
    info = next(row for row in json.loads(result.stdout) if row["name"] == "server_info")
    assert info["plugin"] == "server"
    assert info["title"] == "Server info"
    assert info["read_only"] is True and info["destructive"] is False


def test_tools_call_prints_the_structured_result() -> None:
    result = run_cli("tools", "call", "server_info")
    assert result.returncode == 0, result.stderr
    assert "server" in json.loads(result.stdout)["plugins"]


def test_tools_call_exits_1_on_a_tool_error() -> None:
    unknown = run_cli("tools", "call", "no_such_tool")
    assert unknown.returncode == 1
    assert "Unknown tool" in unknown.stderr
    bad_argument = run_cli("tools", "call", "server_info", "--arg", "extra=1")
    assert bad_argument.returncode == 1
    assert "unknown argument(s) extra" in bad_argument.stderr
    bad_json = run_cli("tools", "call", "server_info", "--json-args", "[1]")
    assert bad_json.returncode != 0
    assert "must be a JSON object" in bad_json.stderr


def test_every_command_has_help() -> None:
    for command in (
        ["serve"],
        ["sandbox"],
        ["plugins", "list"],
        ["tools", "call"],
        ["config", "show"],
    ):
        result = run_cli(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_a_broken_config_leaves_help_working_and_errors_clean(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("client_id = \n")
    helped = run_cli("--help")
    assert helped.returncode == 0 and "serve" in helped.stdout
    for args in (("plugins", "disable", "metrics"), ("tools", "list")):
        failed = run_cli(*args)
        assert failed.returncode == 1 and "not valid TOML" in failed.stderr
        assert "Traceback" not in failed.stderr


def test_plugins_disable_keeps_comments_and_refuses_a_malformed_list(isolated_home: Path) -> None:
    config = isolated_home / "config.toml"
    isolated_home.mkdir(parents=True)
    config.write_text('# mine\nclient_id = "abc"  # my app\n')
    assert run_cli("plugins", "disable", "metrics").returncode == 0
    text = config.read_text()
    assert "# mine" in text and "# my app" in text and 'disabled = ["metrics"]' in text
    config.write_text('[plugins]\ndisabled = "metrics"\n')
    malformed = run_cli("plugins", "disable", "cache")
    assert malformed.returncode == 1 and "not a list of names" in malformed.stderr
    config.write_text('[plugins]\ndisabled = ["Cache"]\n')
    assert run_cli("plugins", "enable", "Cache").returncode == 0  # a typo can be taken out
    assert "Cache" not in config.read_text()


def test_plugins_disable_suggests_the_name_meant_and_says_when_it_takes_effect(
    isolated_home: Path,
) -> None:
    misspelt = run_cli("plugins", "disable", "playbak")
    assert misspelt.returncode == 1
    assert "no plugin named 'playbak'; did you mean 'playback'?" in misspelt.stderr
    disabled = run_cli("plugins", "disable", "playback")
    assert disabled.returncode == 0, disabled.stderr
    assert "servers already running keep it until they restart" in disabled.stdout


def test_plugins_enable_and_disable_warn_when_the_environment_overrides_the_file(
    isolated_home: Path,
) -> None:
    env = {"SPOTIFY_MCP_PLUGINS__DISABLED": '["cache"]'}  # replaces the file's list
    disabled = run_cli("plugins", "disable", "metrics", env=env)
    assert disabled.returncode == 0, disabled.stderr
    assert "metrics stays enabled: SPOTIFY_MCP_PLUGINS__DISABLED or --set" in disabled.stderr
    enabled = run_cli("plugins", "enable", "cache", env=env)
    assert enabled.returncode == 0, enabled.stderr
    assert "cache stays disabled: SPOTIFY_MCP_PLUGINS__DISABLED or --set" in enabled.stderr
    assert "stays" not in run_cli("plugins", "disable", "metrics").stderr


def test_metrics_port_without_the_metrics_plugin_says_it_has_no_effect() -> None:
    env = {"SPOTIFY_MCP_PLUGINS__DISABLED": '["metrics"]'}
    served = run_cli("serve", "--metrics-port", "0", env=env, input="")  # stdin closed: it stops
    assert served.returncode == 0, served.stderr
    assert "--metrics-port has no effect: the metrics plugin is not loaded" in served.stderr


def test_bad_ports_and_log_levels_are_clean_errors() -> None:
    assert run_cli("auth", "login", "--no-browser", "--port", "70000").returncode == 2
    assert run_cli("sandbox", "--port", "70000").returncode == 2
    assert run_cli("tools", "list", env={"SPOTIFY_MCP_LOG_LEVEL": "debug"}).returncode == 0
    bogus = run_cli("config", "show", env={"SPOTIFY_MCP_LOG_LEVEL": "bogus"})
    assert bogus.returncode == 1 and "log_level" in bogus.stderr
    assert "Traceback" not in bogus.stderr


def test_a_busy_port_is_a_clean_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = run_cli("sandbox", "--port", str(taken.getsockname()[1]))
    assert busy.returncode == 1 and "cannot serve on 127.0.0.1" in busy.stderr


def test_auth_status_exits_1_on_an_unreadable_login(isolated_home: Path) -> None:
    (isolated_home / "data").mkdir(parents=True)
    (isolated_home / "data" / "token.json").write_text("{not json")
    status = run_cli("auth", "status", "--json")
    assert status.returncode == 1
    assert json.loads(status.stdout)["login"] == "none"


def test_a_tool_the_login_hides_says_why() -> None:
    catalog_mode = {"SPOTIFY_CLIENT_ID": "abc", "SPOTIFY_CLIENT_SECRET": "x"}
    hidden = run_cli("tools", "call", "library_get_profile", env=catalog_mode)
    assert hidden.returncode == 1
    assert "library_get_profile is not offered: catalog mode" in hidden.stderr


def _connect_help(command: list[str]) -> str:
    """What ``serve``, started from a terminal, prints on stderr before it waits for MCP."""
    controller, terminal = pty.openpty()
    with subprocess.Popen(
        [*command, "serve"],
        stdin=terminal,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        os.close(terminal)
        assert server.stderr is not None
        printed = ""
        while "Waiting for MCP messages" not in printed and server.poll() is None:
            printed += server.stderr.readline()
        os.write(controller, b"\x04")  # Ctrl-D: end of input, the server exits
        server.wait(timeout=30)
    os.close(controller)
    return printed


@pytest.mark.usefixtures("isolated_home")
@pytest.mark.parametrize("way", ["script", "module"])
def test_serve_from_a_terminal_prints_a_command_a_client_can_start(way: str) -> None:
    """A client does not share the terminal's PATH (Claude Desktop has none of a venv's), so
    the printed command is the one this server was started as, by its absolute path."""
    script = Path(sys.executable).parent / "spotify-mcp"
    command = [str(script)] if way == "script" else [sys.executable, "-m", "spotify_mcp"]
    printed = _connect_help(command)
    config = json.loads(printed[printed.index("{") : printed.rindex("}") + 1])
    server = config["mcpServers"]["spotify"]
    assert [server["command"], *server["args"]] == [*command, "serve"]
    assert Path(server["command"]).is_absolute()
    assert f"inspector {' '.join(command)} serve\n" in printed
    assert f"terminal:  {' '.join(command)} tools call server_info --sandbox\n" in printed
