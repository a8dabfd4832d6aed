"""The ``cache`` plugin: Spotify replies kept per account, fresh after our own changes.

Kept on disk, or in Redis when ``redis_url`` is set (replicas on several machines share it).
Only successful GETs are stored, for a time that depends on the endpoint family; mutations
evict the reads they make stale (rules.py); identical concurrent reads share one request.
Adds the ``cache_stats`` tool, ``spotify-mcp cache stats|clear``, a readiness check and
Prometheus metrics, and can warm chosen reads in the background at startup.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from loguru import logger
from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.cli import pass_app
from spotify_mcp.errors import SpotifyMCPError, explain
from spotify_mcp.middleware.cache.stats import CacheStats
from spotify_mcp.middleware.cache.store import ResponseCache
from spotify_mcp.shared_state import redis_client

if TYPE_CHECKING:
    from spotify_mcp.app import App
    from spotify_mcp.config import Config
    from spotify_mcp.registry import HealthRegistry, ToolRegistry


class TtlSettings(BaseModel):
    """Seconds a reply stays fresh, per endpoint family; 0 never stores it."""

    catalog: float = Field(86400, ge=0, description="Albums, artists, tracks, shows, search.")
    profile: float = Field(3600, ge=0, description="/me and other users' profiles.")
    playlists: float = Field(30, ge=0, description="Playlists and lists of playlists.")
    library: float = Field(
        30,
        ge=0,
        description="Saved items, contains checks, follows, top; episodes and chapters (they "
        "show where the user stopped).",
    )
    player: float = Field(0, ge=0, description="Playback state, devices, queue.")


class CacheSettings(BaseModel):
    ttl_s: TtlSettings = Field(default_factory=TtlSettings)
    size_limit_mb: int = Field(
        256,
        gt=0,
        description="Oldest replies (in Redis: closest to expiry) are culled beyond this.",
    )
    directory: str | None = Field(
        None, description="Default: <cache dir>/http. Unused with redis_url."
    )
    warm: list[str] = Field(
        default_factory=list,
        description="API paths read in the background at startup, with the query the tools "
        "send, e.g. /me/playlists?limit=20&offset=0 (playlists_list).",
    )


def cache_stats(app: App) -> CacheStats:
    """Hits, misses, entries, size and invalidations of the cache of Spotify replies, for this
    server and all servers sharing it."""
    return running_cache(app).stats()


def running_cache(app: App) -> ResponseCache:
    cache = app.middleware_by_plugin.get("cache")
    if not isinstance(cache, ResponseCache):
        raise SpotifyMCPError("The cache plugin is not running (server_info shows why).")
    return cache


def warm(app: App, paths: list[str]) -> None:
    """Read ``paths`` through the pipeline so their replies are cached."""
    for path in paths:
        try:
            app.spotify()._get(path.lstrip("/"))
        except Exception as error:
            logger.info("cache warming of {} failed: {}", path, explain(error))


@click.group("cache")
def cache_command() -> None:
    """Inspect or empty the cache of Spotify replies."""


@cache_command.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def cache_stats_command(app: App, as_json: bool) -> None:
    """Entries, size and lifetime hits, misses, invalidations and evictions."""
    with _for_the_terminal():
        stats = running_cache(app).stats()
    if as_json:
        click.echo(stats.model_dump_json(indent=2))
        return
    click.echo(f"location       {stats.directory}")
    click.echo(f"entries        {stats.entries}")
    click.echo(f"bytes          {stats.bytes}")
    for name, value in stats.lifetime.model_dump().items():
        shown = "-" if value is None else value
        click.echo(f"{name:<14} {shown}")


@cache_command.command("clear")
@pass_app
def cache_clear_command(app: App) -> None:
    """Remove every stored reply (and the lifetime statistics)."""
    with _for_the_terminal():
        cache = running_cache(app)
        removed = cache.clear()
    click.echo(f"removed {removed} cached replies from {cache.location}")


@contextmanager
def _for_the_terminal() -> Iterator[None]:
    try:
        yield
    except SpotifyMCPError as error:
        raise click.ClickException(str(error)) from None


# -- hooks ------------------------------------------------------------------------------


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return CacheSettings


@hookimpl
def request_middleware(config: Config) -> ResponseCache:
    settings = config.section("cache", CacheSettings)
    directory = (
        Path(settings.directory).expanduser()
        if settings.directory and not config.sandbox  # a sandbox run keeps its replies apart
        else config.paths.cache_dir / "http"
    )
    return ResponseCache(
        directory,
        settings.ttl_s.model_dump(),
        size_limit=settings.size_limit_mb * 2**20,
        redis=redis_client(config.settings),
    )


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(
        cache_stats, title="Cache statistics", read_only=True, open_world=False, requires_user=False
    )


@hookimpl
def health_checks(registry: HealthRegistry) -> None:
    registry.add(lambda app: running_cache(app).probe(), name="cache", kind="readiness")


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(cache_command)


@hookimpl
def startup(app: App) -> None:
    paths = app.config.section("cache", CacheSettings).warm
    if paths:
        threading.Thread(target=warm, args=(app, paths), name="cache-warm", daemon=True).start()


@hookimpl
def shutdown(app: App) -> None:
    cache = app.built_middleware.get("cache")
    if isinstance(cache, ResponseCache):
        cache.close()
