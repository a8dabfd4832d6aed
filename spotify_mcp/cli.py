"""The ``spotify-mcp`` command line. Commands parse options and call into the core."""

from __future__ import annotations

import functools
import gc
import json
import os
import shlex
import sys
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from loguru import logger

from spotify_mcp import __version__
from spotify_mcp.config import (
    LOG_LEVELS,
    ConfigError,
    Paths,
    Settings,
    closest,
    edit_file,
    load_config,
    merge,
    parse_override,
)
from spotify_mcp.logs import setup_logging

if TYPE_CHECKING:
    from spotify_mcp.app import App

T = TypeVar("T")


@dataclass
class State:
    """What the root options decided, and the App built from it on first use."""

    config_file: str | None
    overrides: dict[str, Any] = field(default_factory=dict)
    logging: tuple[str, str] = ("INFO", "text")
    """The level and format logging was set up with before the config file was read."""
    _app: App | None = None

    def app(self, sandbox: bool = False) -> App:
        if self._app is None:
            from spotify_mcp.app import App

            self._app = _or_exit(
                lambda: App.create(
                    self.overrides,
                    config_file=self.config_file,
                    sandbox=sandbox,
                    on_settings=self._log_as_configured,
                )
            )
            _startup_over()
        return self._app

    def _log_as_configured(self, settings: Settings) -> None:
        """The config file's level and format, before its typos or a plugin's failure are
        logged: a log shipper reading JSON lines needs those most."""
        if (settings.log_level, settings.log_format) != self.logging:
            setup_logging(settings.log_level, settings.log_format)

    def paths(self) -> Paths:
        return Paths.discover(self.config_file)


def pass_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """For plugin commands (``register_commands``): call ``command(app, ...)``."""

    @click.pass_obj
    @functools.wraps(command)
    def run(state: State, *args: Any, **kwargs: Any) -> Any:
        return command(state.app(), *args, **kwargs)

    return run


def _or_exit(build: Callable[[], T]) -> T:
    from spotify_mcp.registry import DuplicateNameError

    try:
        return build()
    except (ConfigError, DuplicateNameError) as error:
        raise click.ClickException(str(error)) from None


class _RootGroup(click.Group):
    """Adds the commands plugins contribute through ``register_commands``."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        # Commands are resolved before the root callback runs: build the state here too.
        if ctx.obj is None:
            ctx.obj = _state(**ctx.params)
        if "plugin_commands" not in ctx.meta:  # --help asks once per command: collect once
            extra = click.Group()
            ctx.obj.app().plugins.notify("register_commands", cli=extra)
            ctx.meta["plugin_commands"] = dict(extra.commands)
        commands: dict[str, click.Command] = ctx.meta["plugin_commands"]
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            plugin_commands = self._plugin_commands(ctx)
        except click.ClickException as error:  # --help must work even with a broken config
            logger.warning("plugin commands not listed: {}", error.message)
            plugin_commands = {}
        return sorted({*super().list_commands(ctx), *plugin_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)


@click.group(cls=_RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spotify-mcp")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="Log level (stderr). Default: INFO or SPOTIFY_MCP_LOG_LEVEL.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a setting, e.g. --set cache.ttl_s.catalog=60 (repeatable).",
)
@click.pass_context
def cli(
    ctx: click.Context, config_file: str | None, log_level: str | None, settings: tuple[str, ...]
) -> None:
    """A Model Context Protocol server for Spotify, built from plugins."""
    if ctx.obj is None:
        ctx.obj = _state(config_file, log_level, settings)


def _state(
    config_file: str | None = None, log_level: str | None = None, settings: tuple[str, ...] = ()
) -> State:
    overrides: dict[str, Any] = {}
    try:
        for item in settings:
            overrides = merge(overrides, parse_override(item))
    except ConfigError as error:
        raise click.BadParameter(str(error), param_hint="--set") from None
    if log_level:
        overrides["log_level"] = log_level.upper()
    level = (overrides.get("log_level") or os.environ.get("SPOTIFY_MCP_LOG_LEVEL", "")).upper()
    log_format = str(overrides.get("log_format") or os.environ.get("SPOTIFY_MCP_LOG_FORMAT", ""))
    # A bad level or format in the environment is reported with the rest of the settings.
    logging = (
        level if level in LOG_LEVELS else "INFO",
        "json" if log_format.lower() == "json" else "text",
    )
    setup_logging(*logging)
    chosen = config_file or os.environ.get("SPOTIFY_MCP_CONFIG")
    if chosen and not Path(chosen).expanduser().exists():
        logger.warning(
            "config file {} does not exist (yet): settings come from the defaults, the "
            "environment and --set",
            chosen,
        )
    return State(config_file, overrides, logging)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- serve --------------------------------------------------------------------------------


@cli.command()
@click.option("--sandbox", is_flag=True, help="Run against the built-in Spotify emulator.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Serve Prometheus /metrics on PORT (0: a free one) at metrics.host [127.0.0.1].",
)
@click.option("--http", "over_http", is_flag=True, help="Serve MCP over Streamable HTTP.")
@click.option("--host", help="With --http: address to listen on [default: 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="With --http [default: 8000].")
@click.pass_obj
def serve(
    state: State,
    sandbox: bool,
    metrics_port: int | None,
    over_http: bool,
    host: str | None,
    port: int | None,
) -> None:
    """Run the MCP server over stdio (what MCP clients launch), or over HTTP (--http)."""
    import anyio

    if metrics_port is not None:
        state.overrides = merge(state.overrides, {"metrics": {"port": metrics_port}})
    listen = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if listen and not over_http:
        raise click.UsageError("--host and --port are for --http")
    if over_http:
        state.overrides = merge(state.overrides, {"http": listen})
    elif sys.stdin.isatty():
        _connect_help(sandbox)
    # Before the app: the mcp SDK then loads while startup's garbage collection is still off
    # (see main), which is about a tenth of the time to the first tools/list.
    from spotify_mcp.http_server import CannotListen, HttpSetupError, serve_http
    from spotify_mcp.server import serve_stdio

    app = state.app(sandbox=sandbox)
    if metrics_port is not None and "metrics" not in app.plugins.loaded():
        logger.warning(
            "--metrics-port has no effect: the metrics plugin is not loaded (disabled or failed)"
        )
    if over_http:
        try:
            anyio.run(serve_http, app, app.config.settings.http)
        except HttpSetupError as error:
            raise click.UsageError(str(error)) from None
        except CannotListen as error:
            raise click.ClickException(str(error)) from None
        return
    try:
        anyio.run(serve_stdio, app)
    except KeyboardInterrupt:  # Ctrl-C while starting, before the server handles it
        sys.exit(130)


def _connect_help(sandbox: bool) -> None:
    command = _this_command()
    args = ["serve", "--sandbox"] if sandbox else ["serve"]
    config = {"mcpServers": {"spotify": {"command": command[0], "args": [*command[1:], *args]}}}
    click.echo(
        "spotify-mcp speaks MCP on stdin/stdout: an MCP client should start it, not a terminal.\n"
        "Claude Desktop (claude_desktop_config.json):\n"
        f"{json.dumps(config, indent=2)}\n"
        f"MCP Inspector:  npx @modelcontextprotocol/inspector {shlex.join([*command, *args])}\n"
        "Try a tool from the terminal:  "
        f"{shlex.join([*command, 'tools', 'call', 'server_info', '--sandbox'])}\n"
        "Waiting for MCP messages on stdin (Ctrl-D to stop)...",
        err=True,
    )


def _this_command() -> list[str]:
    """This server's command, by absolute path: a client does not start it with the
    terminal's PATH (a venv's bin is rarely on Claude Desktop's)."""
    script = Path(sys.argv[0])
    if script.stem == "spotify-mcp":
        return [str(script.absolute())]  # not resolve(): a venv's python is a symlink
    return [sys.executable, "-m", "spotify_mcp"]


# -- sandbox ------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="Default: a free port.")
@click.option(
    "--latency-ms", default=0, type=click.IntRange(min=0), help="Delay added to every API request."
)
@click.option(
    "--rate-limit", type=click.IntRange(min=1), help="Requests per rolling 30 s before 429."
)
def sandbox(host: str, port: int, latency_ms: int, rate_limit: int | None) -> None:
    """Run the Spotify Web API emulator standalone and print its base URL."""
    from spotify_mcp.sandbox import serve as serve_sandbox

    def ready(base_url: str) -> None:
        click.echo(base_url)
        click.echo(
            f"API: {base_url}/v1  token: curl {base_url}/_sandbox/token  (Ctrl-C to stop)",
            err=True,
        )

    _startup_over()
    try:
        serve_sandbox(host, port, latency_ms, rate_limit, on_ready=ready)
    except OSError as error:  # the port is taken, or the host is not this machine's
        raise click.ClickException(f"cannot serve on {host}:{port}: {error.strerror}") from None


# -- plugins ------------------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """List, enable and disable plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def plugins_list(state: State, as_json: bool) -> None:
    """Every installed plugin: kind, enabled, distribution, order or tools, errors."""
    from spotify_mcp.inventory import describe_plugins

    app = state.app()
    rows = describe_plugins(app)
    if as_json:
        _echo_json(rows)
        return
    kinds = [",".join(row["kinds"]) or "-" for row in rows]
    name_width = max((len(row["name"]) for row in rows), default=0)
    kinds_width = max(map(len, kinds), default=0)
    indent = " " * name_width
    for row, kind in zip(rows, kinds, strict=True):
        status = "failed" if row["error"] else ("enabled" if row["enabled"] else "disabled")
        dist = f"{row['distribution']} {row['version']}" if row["distribution"] else "inline"
        click.echo(f"{row['name']:<{name_width}}  {kind:<{kinds_width}}  {status:<9} {dist}")
        if row.get("order") is not None:
            click.echo(f"{indent}  order {row['order']}")
        if row["tools"]:
            click.echo(f"{indent}  tools: {', '.join(row['tools'])}")
        if row["error"]:
            click.echo(f"{indent}  error: {row['error']}")
    chain = " -> ".join(f"{mw.name}" for mw in app.middleware)
    click.echo(f"\npipeline: {chain + ' -> ' if chain else ''}transport")


@plugins.command("enable")
@click.argument("name")
@click.pass_obj
def plugins_enable(state: State, name: str) -> None:
    """Enable plugin NAME (persisted in the config file)."""
    _set_disabled(state, name, disabled=False)


@plugins.command("disable")
@click.argument("name")
@click.pass_obj
def plugins_disable(state: State, name: str) -> None:
    """Disable plugin NAME (persisted in the config file); it is not even imported."""
    _set_disabled(state, name, disabled=True)


def _set_disabled(state: State, name: str, disabled: bool) -> None:
    _edit_disabled(state.paths(), name, disabled)
    # SPOTIFY_MCP_PLUGINS__DISABLED and --set plugins.disabled replace the file's list.
    try:
        listed = name in load_config(state.paths(), state.overrides).settings.plugins.disabled
    except ConfigError:
        return  # the next command that loads the settings says what is wrong with them
    if listed != disabled:
        logger.warning(
            "{} stays {}: SPOTIFY_MCP_PLUGINS__DISABLED or --set plugins.disabled {} it",
            name,
            "disabled" if listed else "enabled",
            "lists" if listed else "does not list",
        )


def _edit_disabled(paths: Paths, name: str, disabled: bool) -> None:
    from importlib.metadata import entry_points

    from spotify_mcp.plugins import ESSENTIAL, GROUP

    known = sorted(entry_points(group=GROUP).names)
    if disabled and name in ESSENTIAL:
        raise click.ClickException(f"{name!r} is a core part of spotify-mcp and cannot be disabled")

    def edit(document: MutableMapping[str, Any]) -> None:
        section = document.setdefault("plugins", {})
        names = section.get("disabled", []) if isinstance(section, MutableMapping) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"plugins.disabled in {paths.config_file} is not a list of names")
        # Enabling takes any listed name, so a misspelt one can be taken out again.
        if name not in known and (disabled or name not in names):
            close = closest(name, known)
            hint = f"; did you mean {close!r}?" if close else "."
            raise ConfigError(f"no plugin named {name!r}{hint} Known plugins: {', '.join(known)}")
        section["disabled"] = sorted({*names, name} if disabled else set(names) - {name})

    try:
        edit_file(paths.config_file, edit)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{name} {'disabled' if disabled else 'enabled'} in {paths.config_file}: servers "
        "already running keep it until they restart (your MCP client restarts its own)."
    )


# -- tools --------------------------------------------------------------------------------


@cli.group()
def tools() -> None:
    """List tools and call one from the terminal."""


@tools.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def tools_list(state: State, as_json: bool) -> None:
    """Every tool with its plugin, title and annotations."""
    from spotify_mcp.inventory import describe_tools

    rows = describe_tools(state.app())
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        hints = ",".join(k for k in ("read_only", "destructive", "idempotent") if row[k])
        click.echo(f"{row['name']:<28} {row['plugin']:<10} {row['title']:<32} {hints}")
        if row.get("hidden"):
            click.echo(f"{'':<28} hidden: {row['hidden']}")


@tools.command("call")
@click.argument("name")
@click.option(
    "--arg", "args", multiple=True, metavar="KEY=VALUE", help="A tool argument (JSON or text)."
)
@click.option("--json-args", help="All arguments as one JSON object.")
@click.option("--sandbox", is_flag=True, help="Run against the built-in Spotify emulator.")
@click.pass_obj
def tools_call(
    state: State, name: str, args: tuple[str, ...], json_args: str | None, sandbox: bool
) -> None:
    """Run tool NAME through the full pipeline and print its result as JSON (exit 1 on error)."""
    import anyio

    from spotify_mcp.server import build_server

    arguments = _tool_arguments(args, json_args)
    app = state.app(sandbox=sandbox)
    try:
        result = anyio.run(build_server(app).call_tool, name, arguments)
    except Exception as error:  # unknown tool or invalid arguments: the SDK raises ToolError
        # The SDK's "Error executing tool NAME: " says nothing a terminal user needs.
        message = str(error).removeprefix(f"Error executing tool {name}: ")
        raise click.ClickException(message) from None
    finally:
        app.close()
    text = " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")
    if result.is_error:
        click.echo(text, err=True)
        sys.exit(1)
    _echo_json(result.structured_content if result.structured_content is not None else text)


def _tool_arguments(args: tuple[str, ...], json_args: str | None) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    if json_args:
        try:
            arguments = json.loads(json_args)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not JSON: {error}", param_hint="--json-args") from None
        if not isinstance(arguments, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--json-args")
    for item in args:
        key, sep, raw = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--arg")
        try:
            arguments[key] = json.loads(raw)
        except json.JSONDecodeError:
            arguments[key] = raw
    return arguments


# -- auth ---------------------------------------------------------------------------------


@cli.group()
def auth() -> None:
    """Log in to Spotify, show the login, log out."""


@auth.command("login")
@click.option("--no-browser", is_flag=True, help="Print the URL; paste back where it leads.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Callback port instead of the redirect URI's (8888).",
)
@click.pass_obj
def auth_login(state: State, no_browser: bool, port: int | None) -> None:
    """Log in with your Spotify account (authorization code with PKCE)."""
    from spotify_mcp.auth.login import login
    from spotify_mcp.errors import SpotifyMCPError
    from spotify_mcp.pipeline import TransportError

    try:
        stored = login(state.app(), open_browser=not no_browser, port=port)
    except (SpotifyMCPError, TransportError) as error:
        raise click.ClickException(str(error)) from None
    who = f"{stored.display_name} ({stored.user_id})" if stored.user_id else "Spotify"
    click.echo(f"Logged in as {who}. `spotify-mcp auth status` shows the login.")


@auth.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def auth_status(state: State, as_json: bool) -> None:
    """Who is logged in, with which scopes, until when (exit 1 when not logged in)."""
    from spotify_mcp.auth.status import describe, render

    report = describe(state.app())
    if as_json:
        _echo_json(report)
    else:
        click.echo("\n".join(render(report)))
    if report["login"] == "none":
        sys.exit(1)


@auth.command("logout")
@click.pass_obj
def auth_logout(state: State) -> None:
    """Remove the stored login (the token file, or the login shared in Redis)."""
    from spotify_mcp.auth import login_store

    store = login_store(_or_exit(lambda: load_config(state.paths(), state.overrides)))
    try:
        deleted = store.delete()
    except OSError as error:
        raise click.ClickException(f"Not logged out: {error}") from None
    click.echo(f"Logged out: removed {store.where}." if deleted else "Not logged in.")


# -- config -------------------------------------------------------------------------------


@cli.group()
def config() -> None:
    """Show the effective settings and where they live."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
@click.pass_obj
def config_show(state: State, as_json: bool) -> None:
    """The effective settings (file < environment < options); secrets are masked."""
    import tomlkit

    data = state.app().config.settings.model_dump(mode="json", exclude_none=True)
    click.echo(json.dumps(data, indent=2) if as_json else tomlkit.dumps(data))


@config.command("path")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def config_path(state: State, as_json: bool) -> None:
    """The config file (--json: also the data (tokens) and cache directories)."""
    paths = state.paths()
    if as_json:
        _echo_json({k: str(v) for k, v in vars(paths).items()})
    else:
        click.echo(str(paths.config_file))


def main() -> None:
    gc.disable()  # until _startup_over
    cli(prog_name="spotify-mcp")


def _startup_over() -> None:
    """Startup allocates hundreds of thousands of objects that live as long as the process
    (the mcp SDK, pydantic models, plugins); collecting them again and again costs about a
    fifth of the time to the first tools/list. Freeze them out of the collector instead."""
    gc.freeze()
    gc.enable()
