"""Cold start: spawn -> answer to the first tools/list, ours vs a trivial one-tool server.

Prints the median of N runs of each (interleaved, so both see the same machine load), their
ratio, and our server's resident memory after tools/list. Target: ratio <= 1.2 with every
built-in plugin enabled, RSS <= 120 MB.

    python benchmarks/coldstart.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRIVIAL_SERVER = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("trivial")


@server.tool()
def echo(text: str) -> str:
    \"\"\"Echo the text.\"\"\"
    return text


server.run()
"""

HANDSHAKE = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "coldstart", "version": "1"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def spawn_to_tools_list(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Seconds from spawn to the tools/list answer, the number of tools, RSS in kB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdin and process.stdout
    for message in HANDSHAKE:
        process.stdin.write(json.dumps(message) + "\n")
    process.stdin.flush()
    while True:
        answer = json.loads(process.stdout.readline())
        if answer.get("id") == 2:
            break
    elapsed = time.perf_counter() - started
    rss = _rss_kb(process.pid)
    process.stdin.close()
    process.wait(timeout=30)
    return elapsed, len(answer["result"]["tools"]), rss


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        trivial = Path(home) / "trivial_server.py"
        trivial.write_text(TRIVIAL_SERVER)
        env = {**os.environ, "SPOTIFY_MCP_HOME": home, "SPOTIFY_MCP_LOG_LEVEL": "WARNING"}
        ours_cmd = [sys.executable, "-m", "spotify_mcp", "serve"]
        trivial_cmd = [sys.executable, str(trivial)]
        spawn_to_tools_list(ours_cmd, env)  # warm the OS file cache for both
        spawn_to_tools_list(trivial_cmd, env)
        ours, theirs, rss, tools = [], [], [], 0
        for _ in range(runs):
            seconds, tools, kb = spawn_to_tools_list(ours_cmd, env)
            ours.append(seconds)
            rss.append(kb)
            theirs.append(spawn_to_tools_list(trivial_cmd, env)[0])
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"runs: {runs} each, interleaved")
    print(f"spotify-mcp serve ({tools} tools): median {ours_median * 1000:.0f} ms")
    print(f"trivial one-tool MCPServer:       median {theirs_median * 1000:.0f} ms")
    print(f"ratio: {ours_median / theirs_median:.2f}x (target <= 1.2x)")
    print(f"resident memory after tools/list: median {statistics.median(rss) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
