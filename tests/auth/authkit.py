"""Auth test helpers: the environment of a server or CLI pointed at the sandbox's accounts
service, and ``auth login`` run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from stdio_server import free_port

from spotify_mcp.plugins import ESSENTIAL, GROUP

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

CLIENT_ID = "authtestclient"


def approve(url: str) -> str:
    """The sandbox's /authorize approves at once: where it sends the browser."""
    assert url.startswith("http"), f"expected the authorize URL, got {url!r}"
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def via_callback(url: str) -> str:
    """The browser follows the redirect to the callback server; nothing is pasted."""
    assert requests.get(approve(url), timeout=10).status_code == 200
    return ""


@dataclass
class Setup:
    """A SPOTIFY_MCP_HOME pointed at the sandbox, and the environment to run commands in."""

    sandbox: Sandbox
    home: Path
    env: dict[str, str]

    @property
    def token_file(self) -> Path:
        return self.home / "data" / "token.json"

    def stored(self) -> dict[str, Any]:
        return json.loads(self.token_file.read_text())

    def age_token(self) -> None:
        """Make the stored access token look expired (time passing, as far as we care)."""
        data = self.stored()
        data["expires_at"] = 0
        self.token_file.write_text(json.dumps(data))

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "spotify_mcp", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert not check or done.returncode == 0, done.stderr
        return done

    def login(self, respond: Callable[[str], str] = via_callback) -> Login:
        """``auth login --no-browser``; ``respond(url)`` plays the user and returns what to
        paste (default: open the URL, whose redirect then reaches the callback server)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "spotify_mcp", "auth", "login", "--no-browser"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            out, err = process.communicate(respond(url) + "\n", timeout=30)
        finally:
            process.kill()
            process.wait()
        return Login(url, process.returncode, url + "\n" + out, err)

    def token_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.sandbox.requests() if r["path"] == "/api/token"]


@dataclass
class Login:
    url: str
    returncode: int
    stdout: str
    stderr: str


def unwanted_plugins() -> list[str]:
    """The other tool groups (their scopes would blur the probe's) and the cache (a cached
    GET would hide a refresh); the rest of the middleware stays in the chain."""
    from importlib.metadata import entry_points

    points = entry_points(group=GROUP)
    tools = [ep.name for ep in points if ep.value.startswith("spotify_mcp.tools")]
    return sorted({*tools, "cache"} - ESSENTIAL)


def setup_env(sandbox: Sandbox, home: Path, probe_site: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY")}
    return {
        **keep,
        "SPOTIFY_MCP_HOME": str(home),
        "SPOTIFY_CLIENT_ID": CLIENT_ID,
        "SPOTIFY_REDIRECT_URI": f"http://127.0.0.1:{free_port()}/callback",
        "SPOTIFY_API_BASE_URL": sandbox.api_url,
        "SPOTIFY_ACCOUNTS_BASE_URL": sandbox.base_url,
        "SPOTIFY_MCP_PLUGINS__DISABLED": json.dumps(unwanted_plugins()),
        "PYTHONPATH": os.pathsep.join([str(probe_site), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }
