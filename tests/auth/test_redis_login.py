"""The login shared in Redis (``redis_url``): replicas that share no disk log in once,
renew once between them, log out together; Redis down is "try again", never a lost login."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
from authkit import Setup, via_callback
from stdio_server import StdioServer, free_port, text_of

from spotify_mcp.auth.redis_store import LOGIN_KEY, RedisLogin
from spotify_mcp.config import Settings
from spotify_mcp.sandbox import PREMIUM_USER

REPLICAS = 3
SPOTIFY_MCP = [sys.executable, "-m", "spotify_mcp"]
CAPTURE: dict[str, Any] = {"capture_output": True, "text": True, "timeout": 60}


@pytest.fixture
def shared(setup: Setup, redis_url: str) -> Setup:
    """``setup`` with ``redis_url``, after ``auth login``."""
    setup.env["SPOTIFY_MCP_REDIS_URL"] = redis_url
    assert setup.login().returncode == 0
    return setup


def stored(redis_url: str) -> dict[str, object]:
    with redis.Redis.from_url(redis_url) as client:
        return json.loads(client.get(LOGIN_KEY) or "null")


def test_login_is_stored_in_redis_not_on_disk(shared: Setup, redis_url: str) -> None:
    assert not shared.token_file.exists()
    assert stored(redis_url)["refresh_token"]
    status = json.loads(shared.cli("auth", "status", "--json").stdout)
    assert status["login"] == "user"
    assert status["stored_in"] == f"{LOGIN_KEY} in {redis_url}"


def test_replicas_on_separate_machines_renew_the_login_once(
    shared: Setup, redis_url: str, tmp_path: Path
) -> None:
    aged = {**stored(redis_url), "expires_at": 0}
    with redis.Redis.from_url(redis_url) as client:
        client.set(LOGIN_KEY, json.dumps(aged))
    # A slow accounts service, so that every replica's renewal would overlap the others'.
    shared.sandbox.add_fault(method="POST", path="/api/token", latency_ms=400, times=REPLICAS)
    shared.sandbox.clear_requests()
    with ExitStack() as stack:
        replicas = [  # each with a home of its own: nothing shared but Redis
            stack.enter_context(StdioServer(env=shared.env, home=tmp_path / f"replica-{n}"))
            for n in range(REPLICAS)
        ]
        with ThreadPoolExecutor(REPLICAS) as pool:
            results = list(pool.map(lambda replica: replica.call("probe_me"), replicas))
    shared.sandbox.clear_faults()
    assert [r.structured_content for r in results] == [{"id": PREMIUM_USER}] * REPLICAS, [
        text_of(r) for r in results
    ]
    assert len(shared.token_requests()) == 1
    assert stored(redis_url)["access_token"] != aged["access_token"]


def test_logout_removes_the_shared_login(shared: Setup, redis_url: str) -> None:
    assert (
        "Logged out: removed spotify-mcp:login in redis://" in shared.cli("auth", "logout").stdout
    )
    assert stored(redis_url) is None
    assert shared.cli("auth", "status", check=False).returncode == 1


def test_redis_down_is_try_again_and_the_server_keeps_serving(setup: Setup) -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"
    env = {**setup.env, "SPOTIFY_MCP_REDIS_URL": down, "SPOTIFY_MCP_REQUEST_TIMEOUT_S": "2"}
    with StdioServer(env=env, home=setup.home) as server:
        for _ in range(2):  # the second call too: nothing broke for good
            error = server.call_error("probe_me")
            assert f"Redis at {down.removesuffix('/0')}/0" in error and "unreachable" in error
            assert "Try again in 5 s" in error


def test_the_password_in_redis_url_is_never_shown() -> None:
    settings = Settings(redis_url="redis://:hunter2@127.0.0.1:6390/2")
    where = RedisLogin.of(settings).where
    assert where == f"{LOGIN_KEY} in redis://127.0.0.1:6390/2" and "hunter2" not in where


def test_auth_commands_with_redis_down_say_so_without_a_traceback(setup: Setup) -> None:
    down = {**setup.env, "SPOTIFY_MCP_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    status = subprocess.run([*SPOTIFY_MCP, "auth", "status"], env=down, **CAPTURE)
    logout = subprocess.run([*SPOTIFY_MCP, "auth", "logout"], env=down, **CAPTURE)
    assert status.returncode == 1 and "unreachable" in status.stdout
    assert logout.returncode == 1 and "Not logged out: Redis at" in logout.stderr
    assert "Traceback" not in status.stderr + logout.stderr


def test_login_with_redis_down_stops_before_the_browser(setup: Setup) -> None:
    down = {**setup.env, "SPOTIFY_MCP_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    login = [*SPOTIFY_MCP, "auth", "login", "--no-browser"]
    done = subprocess.run(login, env=down, input="", **CAPTURE)
    assert done.returncode == 1 and "unreachable" in done.stderr, done.stderr
    assert "accounts" not in done.stdout  # no authorize URL: the user was not sent to log in
    assert "Traceback" not in done.stderr


def test_login_with_redis_refusing_writes_stops_before_the_browser(
    setup: Setup, redis_url: str
) -> None:
    """A Redis that reads but cannot write (out of memory here; a read-only replica alike)."""
    setup.env["SPOTIFY_MCP_REDIS_URL"] = redis_url
    login = [*SPOTIFY_MCP, "auth", "login", "--no-browser"]
    with redis.Redis.from_url(redis_url) as client:
        client.config_set("maxmemory", 1)
        try:
            done = subprocess.run(login, env=setup.env, input="", **CAPTURE)
        finally:
            client.config_set("maxmemory", 0)
    assert done.returncode == 1 and "refuses writes" in done.stderr, done.stderr
    assert "accounts" not in done.stdout  # no authorize URL: the user was not sent to log in
    assert "Traceback" not in done.stderr


def test_a_login_redis_refuses_to_store_is_a_clear_error(setup: Setup, redis_url: str) -> None:
    setup.env["SPOTIFY_MCP_REDIS_URL"] = redis_url

    def refuse_writes_then_approve(url: str) -> str:
        client.config_set("maxmemory", 1)  # after the check, before the login is stored
        return via_callback(url)

    with redis.Redis.from_url(redis_url) as client:
        try:
            done = setup.login(respond=refuse_writes_then_approve)
        finally:
            client.config_set("maxmemory", 0)
    assert done.returncode == 1, done.stderr
    assert f"Logged in, but the login could not be stored in {LOGIN_KEY} in" in done.stderr
    assert "run `spotify-mcp auth login` again" in done.stderr
    assert "Traceback" not in done.stderr and stored(redis_url) is None
