"""Every hook a spotify-mcp plugin can implement.

Implement hooks with :data:`spotify_mcp.hookimpl` in a module named by an entry point in
the ``spotify_mcp`` group. Registration hooks run once at startup after all plugins are
loaded, one plugin at a time: if a plugin's hook raises, the plugin is reported as failed
and the server starts without it. Hooks are synchronous (pluggy cannot await).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel
    from starlette.routing import BaseRoute

    from spotify_mcp.app import App
    from spotify_mcp.config import Config
    from spotify_mcp.pipeline import Middleware
    from spotify_mcp.registry import HealthRegistry, PromptRegistry, ResourceRegistry, ToolRegistry

hookspec = pluggy.HookspecMarker("spotify_mcp")


# -------------------------------------------------------------------------
# Settings
# -------------------------------------------------------------------------


@hookspec
def plugin_settings() -> type[BaseModel] | None:
    """Return the pydantic model of this plugin's own config section, or None.

    The section is named after the plugin (``[cache]`` in config.toml,
    ``SPOTIFY_MCP_CACHE__<KEY>`` in the environment). Called once at startup, before any
    other hook; read the validated section with ``config.section(name, Model)``.

    :return: a ``BaseModel`` subclass whose fields all have defaults.
    """


# -------------------------------------------------------------------------
# What clients see: tools, resources, prompts
# -------------------------------------------------------------------------


@hookspec
def register_tools(registry: ToolRegistry) -> None:
    """Add MCP tools with ``registry.add(fn, title=..., read_only=...)``.

    Called once at startup. The registry is scoped to the calling plugin: every tool is
    listed under it. A name another plugin already registered is a startup error.

    :param registry: where to add tools; see :class:`spotify_mcp.registry.ToolRegistry`.
    """


@hookspec
def register_resources(registry: ResourceRegistry) -> None:
    """Add MCP resources and resource templates with ``registry.add(fn, uri=..., ...)``.

    Called once at startup, like ``register_tools``.

    :param registry: where to add resources.
    """


@hookspec
def register_prompts(registry: PromptRegistry) -> None:
    """Add MCP prompts with ``registry.add(fn, title=...)``.

    Called once at startup, like ``register_tools``.

    :param registry: where to add prompts.
    """


# -------------------------------------------------------------------------
# The request pipeline
# -------------------------------------------------------------------------


@hookspec
def request_middleware(config: Config) -> Middleware | None:
    """Return a middleware to run around every Spotify Web API request, or None.

    Called once per session, when the first Spotify request is about to be made (and by
    ``plugins list`` to show the chain), so keep construction cheap and open files or
    sockets lazily. Middleware run by ascending ``order`` (outermost first); config
    ``[pipeline.order]`` overrides it by ``name``. The built-in chain is metrics (100) ->
    cache (200) -> retry (300) -> breaker (400) -> limiter (500) -> transport.

    :param config: the validated settings; ``config.section(name, Model)`` for yours.
    :return: an object with ``name: str``, ``order: int`` and
        ``__call__(request, call_next) -> Response``; it must be thread-safe.
    """


@hookspec
def tool_called(name: str, outcome: str, duration_s: float) -> None:
    """Observe a finished tool call (metrics, audit logs). Must not raise or block.

    :param name: the tool's name.
    :param outcome: ``"ok"``, ``"error"`` or ``"cancelled"`` (by the client).
    :param duration_s: wall-clock seconds the call took, arguments validation included.
    """


# -------------------------------------------------------------------------
# Health, auth, CLI
# -------------------------------------------------------------------------


@hookspec
def health_checks(registry: HealthRegistry) -> None:
    """Add liveness and readiness checks with ``registry.add(fn, name=..., kind=...)``.

    A check is ``fn(app) -> str``: it returns a short detail when healthy and raises
    (with a message saying what is wrong) when not. Called once at startup.

    :param registry: where to add checks.
    """


@hookspec
def oauth_scopes() -> list[str]:  # type: ignore[empty-body]
    """Return the Spotify OAuth scopes this plugin's tools need.

    ``auth login`` asks for the union over enabled plugins, and ``auth status`` warns when
    the stored token lacks some of them.

    :return: scope names such as ``"user-read-playback-state"``.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``spotify-mcp`` command line (e.g. ``cache stats``).

    Called when the CLI looks up a command it does not define itself.

    :param cli: the root click group; add with ``cli.add_command(...)``.
    """


@hookspec
def http_routes(app: App) -> list[BaseRoute]:  # type: ignore[empty-body]
    """Return Starlette routes to serve beside MCP when the server runs over HTTP.

    Called once by ``spotify-mcp serve --http``, after ``startup``; never over stdio. The
    routes share MCP's host and port but not its bearer token: they are for probes and
    scrapers (``/healthz``, ``/metrics``), so they must not change user data. A path
    another plugin or MCP already serves is not added again (an error in the log).

    :param app: the running application.
    :return: e.g. ``[Route("/healthz", endpoint)]``; handlers are async and must not block
        the event loop (run blocking work with ``anyio.to_thread.run_sync``).
    """


# -------------------------------------------------------------------------
# Lifecycle
# -------------------------------------------------------------------------


@hookspec
def startup(app: App) -> None:
    """Called when the server starts, before it answers its first request.

    Must return quickly: start background work (cache warming) in a thread.

    :param app: the running application: ``app.config``, ``app.spotify()``, ``app.tools``.
    """


@hookspec
def shutdown(app: App) -> None:
    """Called once when the server stops: stop threads, flush and close files.

    :param app: the running application.
    """
