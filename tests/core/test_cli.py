"""The command line: listing, calling a tool, exit codes."""

from __future__ import annotations

import json

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
