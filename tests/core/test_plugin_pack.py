"""A real plugin pack from plugins/, built and pip-installed (offline) beside the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stdio_server import StdioServer, run_cli

PACK = Path(__file__).parents[2] / "plugins" / "spotify-mcp-audit"


@pytest.fixture(scope="module")
def installed_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--target", str(target), str(PACK)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return target


def test_installed_pack_is_listed_and_logs_every_tool_call(
    installed_pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(installed_pack))
    home = Path(os.environ["SPOTIFY_MCP_HOME"])
    rows = {row["name"]: row for row in json.loads(run_cli("plugins", "list", "--json").stdout)}
    assert rows["audit"]["distribution"] == "spotify-mcp-audit"
    assert rows["audit"]["kinds"] == ["commands"]

    with StdioServer(env={"PYTHONPATH": str(installed_pack)}, home=home) as server:
        server.call_ok("server_info")
        server.call_error("server_info", unexpected=1)

    log_file = home / "data" / "audit.jsonl"
    # It tells what the user did: private, as the core keeps its data directory.
    assert (log_file.parent.stat().st_mode & 0o777, log_file.stat().st_mode & 0o777) == (
        0o700,
        0o600,
    )
    log = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(e["tool"], e["outcome"]) for e in log] == [
        ("server_info", "ok"),
        ("server_info", "error"),
    ]
    tail = run_cli("audit", "tail", "-n", "1")
    assert tail.returncode == 0, tail.stderr
    assert json.loads(tail.stdout)["outcome"] == "error"
    negative = run_cli("audit", "tail", "-n", "-1")
    assert negative.returncode == 2 and "Traceback" not in negative.stderr

    assert run_cli("plugins", "disable", "audit").returncode == 0
    assert run_cli("audit", "tail").returncode != 0  # the command left with the plugin
