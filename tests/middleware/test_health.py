"""The health plugin: checks from every plugin, run concurrently with a timeout; the `health`
tool; `spotify-mcp health` and its exit code."""

from __future__ import annotations

import json
import threading
from typing import Any

from faultkit import SandboxAdmin
from stdio_server import StdioServer, free_port, run_cli, sandbox_env

from spotify_mcp import hookimpl
from spotify_mcp.app import App
from spotify_mcp.middleware.health import run_checks
from spotify_mcp.registry import HealthRegistry
from spotify_mcp.sandbox import Sandbox


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def test_health_tool_reports_every_plugins_checks(server: StdioServer) -> None:
    report = server.call_ok("health")
    checks = by_name(report)
    assert {"process", "token", "spotify", "cache", "breaker"} <= set(checks)
    assert checks["process"]["kind"] == "liveness"
    assert checks["spotify"]["detail"].endswith("ms") and "HTTP 200" in checks["spotify"]["detail"]
    assert report["live"] and report["ready"], checks


def test_cli_exit_code_says_whether_ready(sandbox: Sandbox, admin: SandboxAdmin) -> None:
    ready = run_cli("health", "--json", env=sandbox_env(sandbox))
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert json.loads(ready.stdout)["ready"] is True

    admin.fault("/me", status=503)
    failing = run_cli("health", env=sandbox_env(sandbox))
    assert failing.returncode == 1
    assert "answered HTTP 503" in failing.stdout and "not ready" in failing.stdout


def test_cli_without_token_or_network_is_not_ready() -> None:
    nowhere = {"SPOTIFY_API_BASE_URL": f"http://127.0.0.1:{free_port()}/v1"}
    result = run_cli("health", "--json", env=nowhere)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    checks = by_name(report)
    assert report["live"] is True and report["ready"] is False
    assert "spotify-mcp auth login" in checks["token"]["detail"]
    assert "unreachable" in checks["spotify"]["detail"]


class ProbePlugin:
    """Two checks that pass only when run at the same time, one that hangs, and a failing
    liveness check."""

    def __init__(self) -> None:
        self.both = threading.Barrier(2, timeout=10)
        self.unblock = threading.Event()

    def meet(self, app: App) -> str:
        self.both.wait()
        return "met"

    def hang(self, app: App) -> str:
        self.unblock.wait(10)
        return "too late"

    @staticmethod
    def broken(app: App) -> str:
        raise RuntimeError("event loop wedged")

    @hookimpl
    def health_checks(self, registry: HealthRegistry) -> None:
        registry.add(self.meet, name="meet-a", kind="readiness")
        registry.add(self.meet, name="meet-b", kind="readiness")
        registry.add(self.hang, name="hang", kind="readiness")
        registry.add(self.broken, name="wedged", kind="liveness")


def test_checks_run_concurrently_and_time_out(sandbox: Sandbox) -> None:
    probe = ProbePlugin()
    overrides = {
        "api_base_url": sandbox.api_url,
        "access_token": sandbox.token(expires_in=10**7),
        "health": {"timeout_s": 1.0},
    }
    app = App.create(overrides, inline_plugins=[("probe", probe)])
    try:
        report = run_checks(app)
    finally:
        probe.unblock.set()
        app.close()
    checks = {check.name: check for check in report.checks}
    assert checks["meet-a"].ok and checks["meet-b"].ok
    assert not checks["hang"].ok and checks["hang"].detail == "no answer within 1 s"
    assert not checks["wedged"].ok and checks["wedged"].detail == "event loop wedged"
    assert checks["wedged"].plugin == "probe"
    assert (report.live, report.ready) == (False, False)
