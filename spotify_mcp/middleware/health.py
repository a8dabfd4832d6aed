"""The ``health`` plugin: liveness and readiness, from the checks every plugin contributes.

Liveness: the process works. Readiness: it can serve tool calls now (a token, Spotify
reachable, no circuit open, the cache writable...). Checks run concurrently, each within a
timeout. Adds the ``health`` tool, ``spotify-mcp health [--json]`` (exit 1 when not ready)
and, over HTTP, the probes ``/healthz`` (liveness) and ``/readyz`` (readiness): 200 or 503.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Literal

import anyio
import click
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from spotify_mcp import hookimpl
from spotify_mcp.cli import pass_app

if TYPE_CHECKING:
    from spotify_mcp.app import App
    from spotify_mcp.registry import HealthCheck, HealthRegistry, ToolRegistry

Kind = Literal["liveness", "readiness"]
_STARTED = time.monotonic()
#: Probes closer together than this share one run: each run sends ``GET /me`` to Spotify.
PROBE_REUSE_S = 5.0


class HealthSettings(BaseModel):
    timeout_s: float = Field(5.0, gt=0, description="Time a check gets before it counts as failed.")


class CheckResult(BaseModel):
    name: str
    kind: Kind
    ok: bool
    detail: str = Field(description="What was found, or what is wrong.")
    plugin: str
    ms: float = Field(description="How long the check took.")


class HealthReport(BaseModel):
    live: bool = Field(description="Every liveness check passed.")
    ready: bool = Field(description="Live, and every readiness check passed.")
    checks: list[CheckResult]


def run_checks(app: App, kind: Kind | None = None) -> HealthReport:
    """Run every registered check (of ``kind``, when given) concurrently; one that does not
    finish in time fails."""
    timeout = app.config.section("health", HealthSettings).timeout_s
    checks = [check for check in app.health if kind in (None, check.kind)]
    results: dict[str, CheckResult] = {}
    threads = [
        threading.Thread(target=_run, args=(app, check, results), daemon=True) for check in checks
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    ordered = [
        results.get(check.name)
        or CheckResult(
            name=check.name,
            kind=check.kind,
            ok=False,
            detail=f"no answer within {timeout:g} s",
            plugin=check.plugin,
            ms=timeout * 1000,
        )
        for check in checks
    ]
    live = all(r.ok for r in ordered if r.kind == "liveness")
    return HealthReport(
        live=live,
        ready=live and all(r.ok for r in ordered if r.kind == "readiness"),
        checks=ordered,
    )


def _run(app: App, check: HealthCheck, results: dict[str, CheckResult]) -> None:
    started = time.perf_counter()
    try:
        detail, ok = check.fn(app), True
    except Exception as error:
        detail, ok = str(error) or type(error).__name__, False
    results[check.name] = CheckResult(
        name=check.name,
        kind=check.kind,
        ok=ok,
        detail=detail,
        plugin=check.plugin,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )


# -- the health plugin's own checks -------------------------------------------------------


def process_up(app: App) -> str:
    return f"pid {os.getpid()}, up {time.monotonic() - _STARTED:.0f} s"


def token_present(app: App) -> str:
    """Asking for the token refreshes it first when it has expired and the login allows."""
    credentials = app.credentials
    credentials.access_token()
    return f"{credentials.kind} token for {credentials.account}"


def spotify_reachable(app: App) -> str:
    """One direct request, past the cache and the guards: is Spotify itself answering?"""
    import requests

    api = app.api_base_url.rstrip("/")
    url, headers = api, {}
    if app.credentials.kind == "user":
        url, headers = f"{api}/me", {"Authorization": f"Bearer {app.credentials.access_token()}"}
    timeout = app.config.section("health", HealthSettings).timeout_s
    started = time.perf_counter()
    try:
        reply = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        raise RuntimeError(f"{api} is unreachable ({type(error).__name__})") from None
    status = reply.status_code
    if status >= 500:
        raise RuntimeError(f"{api} answered HTTP {status}")
    if status == 401 and headers:
        raise RuntimeError("Spotify rejected the access token: run `spotify-mcp auth login`")
    return f"{api} answered HTTP {status} in {(time.perf_counter() - started) * 1000:.0f} ms"


def health(app: App) -> HealthReport:
    """Each liveness and readiness check (token, Spotify reachable, breakers, cache) with its
    status. Use when calls fail unexpectedly."""
    return run_checks(app)


@click.command("health")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def health_command(app: App, as_json: bool) -> None:
    """Run the liveness and readiness checks; exit 1 when not ready."""
    report = run_checks(app)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    else:
        for check in report.checks:
            status = "ok" if check.ok else "FAIL"
            click.echo(f"{status:<5} {check.kind:<10} {check.name:<10} {check.detail}")
        click.echo("ready" if report.ready else "not ready")
    if not report.ready:
        sys.exit(1)


class RecentReports:
    """The last report of each kind, reused for :data:`PROBE_REUSE_S`; concurrent probes wait
    for one run."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._reports: dict[Kind | None, tuple[float, HealthReport]] = {}
        # One lock per kind: liveness must not wait behind a slow readiness check.
        self._locks: dict[Kind | None, threading.Lock] = {
            kind: threading.Lock() for kind in ("liveness", None)
        }

    def get(self, kind: Kind | None) -> HealthReport:
        with self._locks[kind]:
            ran_at, report = self._reports.get(kind, (-PROBE_REUSE_S, None))
            if report is None or time.monotonic() - ran_at >= PROBE_REUSE_S:
                report = run_checks(self.app, kind)
                self._reports[kind] = (time.monotonic(), report)
            return report


def probes(app: App) -> list[Route]:
    """``/healthz`` runs only the liveness checks (restart when failing); ``/readyz`` runs all
    (send no traffic while failing). They are open to whoever reaches the port, so they say
    what is wrong but not what is fine (the account, local paths): the ``health`` tool and
    command say it all."""
    recent = RecentReports(app)

    async def healthz(request: Request) -> JSONResponse:
        report = await anyio.to_thread.run_sync(recent.get, "liveness")
        return JSONResponse(_public(report, exclude={"ready"}), 200 if report.live else 503)

    async def readyz(request: Request) -> JSONResponse:
        report = await anyio.to_thread.run_sync(recent.get, None)
        return JSONResponse(_public(report), 200 if report.ready else 503)

    return [Route("/healthz", healthz), Route("/readyz", readyz)]


def _public(report: HealthReport, exclude: set[str] | None = None) -> dict[str, object]:
    """The report without the details of the checks that passed."""
    body = report.model_dump(exclude=exclude)
    body["checks"] = [
        {key: value for key, value in check.items() if key != "detail" or not check["ok"]}
        for check in body["checks"]
    ]
    return body


# -- hooks ------------------------------------------------------------------------------


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return HealthSettings


@hookimpl
def health_checks(registry: HealthRegistry) -> None:
    registry.add(process_up, name="process", kind="liveness")
    registry.add(token_present, name="token", kind="readiness")
    registry.add(spotify_reachable, name="spotify", kind="readiness")


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(health, title="Health", read_only=True, requires_user=False, endpoints=["GET /me"])


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(health_command)


@hookimpl
def http_routes(app: App) -> list[Route]:
    return probes(app)
