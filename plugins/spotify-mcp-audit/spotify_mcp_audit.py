"""The ``audit`` plugin: one JSON line per tool call (time, tool, outcome, duration).

A third-party plugin pack, installed with ``pip install ./plugins/spotify-mcp-audit``: it
imports only spotify-mcp's public API and shows the observation, settings, lifecycle and
command hooks. The log is written while ``spotify-mcp serve`` runs.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.cli import pass_app

if TYPE_CHECKING:
    from spotify_mcp.app import App


class AuditSettings(BaseModel):
    path: Path | None = Field(None, description="The log file; default: <data dir>/audit.jsonl.")


_lock = threading.Lock()
_log: Path | None = None  # set at startup: only a running server writes the log


def log_path(app: App) -> Path:
    return (
        app.config.section("audit", AuditSettings).path or app.config.paths.data_dir / "audit.jsonl"
    )


@click.group()
def audit() -> None:
    """The log of tool calls."""


@audit.command("tail")
@click.option(
    "-n", "lines", default=20, type=click.IntRange(min=0), show_default=True, help="How many calls."
)
@pass_app
def tail(app: App, lines: int) -> None:
    """Print the last tool calls, oldest first."""
    path = log_path(app)
    if not path.exists():
        raise click.ClickException(f"no tool calls logged yet ({path})")
    with path.open() as fh:
        for line in deque(fh, maxlen=lines):
            click.echo(line.rstrip())


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return AuditSettings


@hookimpl
def startup(app: App) -> None:
    global _log
    _log = log_path(app)
    _log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the core's


@hookimpl
def tool_called(name: str, outcome: str, duration_s: float) -> None:
    if _log is None:
        return
    entry = {
        "time": time.time(),
        "tool": name,
        "outcome": outcome,
        "ms": round(duration_s * 1000, 1),
    }
    with _lock, open(_log, "a", opener=_private) as fh:
        fh.write(json.dumps(entry) + "\n")


def _private(path: str, flags: int) -> int:
    """Create the log readable by its owner only: it tells what the user did."""
    return os.open(path, flags, 0o600)


@hookimpl
def shutdown(app: App) -> None:
    global _log
    _log = None


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(audit)
