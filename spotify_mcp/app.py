"""The running application: config, plugins, what they registered, the Spotify session.

Startup order: read the config (to learn which plugins are disabled), load plugins, read
the config again with each plugin's settings section, then let each plugin register its
tools, resources, prompts and health checks. The Spotify session and the middleware chain
are built on first use, so listing tools never waits for them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from spotify_mcp import __version__
from spotify_mcp.config import Config, Paths, Settings, load_config
from spotify_mcp.pipeline import Middleware, effective_order, order_middleware
from spotify_mcp.plugins import Plugins
from spotify_mcp.registry import (
    HealthRegistry,
    PromptRegistry,
    PromptSpec,
    ResourceRegistry,
    ResourceSpec,
    ToolRegistry,
    ToolSpec,
)

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

    from spotify_mcp.auth import Credentials
    from spotify_mcp.sandbox import Sandbox
    from spotify_mcp.session import Spotify

_REGISTRATION_HOOKS = ("register_tools", "register_resources", "register_prompts", "health_checks")


def _apart_from_real_servers(config: Config) -> tuple[TemporaryDirectory[str], Config]:
    """The config of a sandbox run: the emulator starts afresh (on a new port) each time, so
    its replies must not fill, and evict from, the real account's cache, nor its requests
    spend the rate budget real servers share in Redis. Its own cache directory is removed at
    exit."""
    import tempfile

    scratch = tempfile.TemporaryDirectory(prefix="spotify-mcp-sandbox-", ignore_cleanup_errors=True)
    paths = dataclasses.replace(config.paths, cache_dir=Path(scratch.name))
    settings = config.settings.model_copy(update={"redis_url": None})
    return scratch, Config(settings, paths, sandbox=True)


def _plugin_output_to_stderr() -> contextlib.redirect_stdout[TextIO]:
    """Around loading plugins and their startup and shutdown hooks (one thread, while the
    server does not use stdout): stdout is the MCP channel, and `plugins list --json`'s, so a
    plugin's print() goes to stderr."""
    return contextlib.redirect_stdout(sys.stderr)


class App:
    """Everything a tool, a hook or a CLI command may need; one per process."""

    version = __version__

    def __init__(self, config: Config, plugins: Plugins) -> None:
        self.config = config
        self.plugins = plugins
        self.sandbox: Sandbox | None = None  # set by create(sandbox=True)
        self.tools = ToolRegistry()
        self.resources = ResourceRegistry()
        self.prompts = PromptRegistry()
        self.health = HealthRegistry()
        self._lock = threading.Lock()
        self._middleware: dict[str, Middleware] | None = None
        self._pipeline: list[Middleware] = []
        self._spotify: Spotify | None = None
        self._credentials: Credentials | None = None
        self._sandbox_ready = threading.Event()
        self._sandbox_error: BaseException | None = None
        self._sandbox_cache: TemporaryDirectory[str] | None = None
        self.calls_cut = threading.Event()
        """Set when the calls in flight are to stop at their next request or chunk: over
        HTTP, where a client's hanging up cuts nothing, when the shutdown grace has run out."""

    @classmethod
    def create(
        cls,
        overrides: Mapping[str, Any] | None = None,
        *,
        config_file: str | None = None,
        sandbox: bool = False,
        inline_plugins: Iterable[tuple[str, object]] = (),
        on_settings: Callable[[Settings], None] | None = None,
    ) -> App:
        """Load config and plugins and collect registrations (see the module docstring).
        ``on_settings`` gets the core settings as soon as they are read, before anything
        is logged about them or the plugins (the CLI sets up logging with it)."""
        paths = Paths.discover(config_file)
        base = load_config(paths, overrides)
        if on_settings is not None:
            on_settings(base.settings)
        with _plugin_output_to_stderr():
            plugins = Plugins(base.settings.plugins.disabled)
            plugins.load_entry_points()
            for name, plugin in inline_plugins:
                plugins.register(plugin, name)
            sections = plugins.collect_settings()
            config = load_config(paths, overrides, sections)
            scratch = None
            if sandbox:
                scratch, config = _apart_from_real_servers(config)
            app = cls(config, plugins)
            app._sandbox_cache = scratch
            app._warn_about_unknown_names(overrides)
            if sandbox:
                app._start_sandbox()
            app._collect_registrations()
        return app

    def _warn_about_unknown_names(self, overrides: Mapping[str, Any] | None) -> None:
        """A misspelt setting or plugin name would otherwise be ignored without a word."""
        installed = set(self.plugins.info)
        unloaded = installed - set(self.plugins.loaded())
        for where, key, close in self.config.unread_keys(unloaded, overrides):
            hint = f"; did you mean {close!r}?" if close else ""
            logger.warning("{}: no setting {!r}{}", where, key, hint)
        for name in sorted(set(self.config.settings.plugins.disabled) - installed):
            logger.warning(
                "plugins.disabled: no plugin {!r} is installed (installed: {})",
                name,
                ", ".join(sorted(installed)),
            )

    @property
    def _registries(
        self,
    ) -> tuple[ToolRegistry, ResourceRegistry, PromptRegistry, HealthRegistry]:
        """In the order of ``_REGISTRATION_HOOKS``."""
        return (self.tools, self.resources, self.prompts, self.health)

    def _collect_registrations(self) -> None:
        for name in self.plugins.loaded():
            views = [registry.scoped(name) for registry in self._registries]
            try:
                for hook, view in zip(_REGISTRATION_HOOKS, views, strict=True):
                    impl = self.plugins.impl(name, hook)
                    if impl is not None:
                        impl(registry=view)
            except Exception as error:
                self.plugins.fail(name, error)
                continue
            for view in views:
                view.commit()

    def fail_plugin(self, name: str, error: BaseException) -> None:
        """Take plugin ``name`` out after a late failure, with everything it registered."""
        self.plugins.fail(name, error)
        for registry in self._registries:
            registry.drop(name)

    @functools.cached_property
    def _login_kind_at_start(self) -> str:
        """No network call, but one EXISTS when the login is in Redis."""
        from spotify_mcp.auth import login_kind

        return "user" if self.sandbox is not None else login_kind(self.config)

    @property
    def login_kind(self) -> str:
        """``user``, ``app`` (catalog only) or ``none``: it decides which tools are offered.
        Only catalog mode changes, to ``user`` once a login is stored (checked every 5 s)."""
        kind = self._login_kind_at_start
        return self.credentials.kind if kind == "app" else kind

    def hidden_reason(self, spec: ToolSpec | ResourceSpec | PromptSpec) -> str | None:
        """Why a registered tool, resource or prompt is not offered to clients, or None when
        it is."""
        if spec.requires_user and self.login_kind == "app":
            return "catalog mode (app-only login): needs a user; run `spotify-mcp auth login`"
        return None

    def visible_tools(self) -> list[ToolSpec]:
        """The tools clients see."""
        return [spec for spec in self.tools if self.hidden_reason(spec) is None]

    # -- the Spotify session ------------------------------------------------------------

    @property
    def middleware(self) -> list[Middleware]:
        """The request pipeline, outermost first (built on first use)."""
        return self._built_pipeline()[1]

    @property
    def middleware_by_plugin(self) -> dict[str, Middleware]:
        """What each plugin's ``request_middleware`` returned."""
        return self._built_pipeline()[0]

    @property
    def built_middleware(self) -> dict[str, Middleware]:
        """The middleware by plugin if the pipeline was built, else empty: for shutdown hooks,
        which must not build a pipeline just to close it."""
        with self._lock:
            return dict(self._middleware or {})

    def effective_order(self, middleware: Middleware) -> int:
        return effective_order(middleware, self.config.settings.pipeline.order)

    def _built_pipeline(self) -> tuple[dict[str, Middleware], list[Middleware]]:
        """Ask the plugins once, and order once (a tie warns once)."""
        with self._lock:
            if self._middleware is None:
                self._middleware = self.plugins.answers(
                    "request_middleware", self.fail_plugin, config=self.config
                )
                self._pipeline = order_middleware(
                    self._middleware.values(), self.config.settings.pipeline.order
                )
            return self._middleware, self._pipeline

    @property
    def credentials(self) -> Credentials:
        with self._lock:
            if self._credentials is None:
                self._credentials = self._make_credentials()
            return self._credentials

    def _make_credentials(self) -> Credentials:
        from spotify_mcp.auth import StaticToken, configured_credentials

        if self.sandbox is not None:  # an explicit --sandbox wins over every login
            from spotify_mcp.sandbox import PREMIUM_USER

            self._wait_for_sandbox()
            return StaticToken(self.sandbox.token(PREMIUM_USER, expires_in=10**8), PREMIUM_USER)
        return configured_credentials(self.config)

    @property
    def api_base_url(self) -> str:
        if self.sandbox is not None:
            self._wait_for_sandbox()
            return self.sandbox.api_url
        return self.config.settings.api_base_url

    def spotify(self) -> Spotify:
        """The Spotify session (a spotipy client) shared by all tool calls; thread-safe."""
        if self._spotify is None:
            from spotify_mcp.session import build_session

            middleware, credentials, api = self.middleware, self.credentials, self.api_base_url
            with self._lock:
                if self._spotify is None:
                    self._spotify = build_session(
                        middleware, credentials, api, self.config.settings.request_timeout_s
                    )
        return self._spotify

    # -- sandbox ------------------------------------------------------------------------

    def _start_sandbox(self) -> None:
        """Start the built-in emulator in the background: startup does not wait for it."""
        from spotify_mcp.sandbox import Sandbox

        self.sandbox = Sandbox()

        def start() -> None:
            try:
                assert self.sandbox is not None
                self.sandbox.start()
                logger.info("sandbox Spotify Web API at {}", self.sandbox.api_url)
            except BaseException as error:
                self._sandbox_error = error
            finally:
                self._sandbox_ready.set()

        threading.Thread(target=start, name="sandbox-start", daemon=True).start()

    def _wait_for_sandbox(self) -> None:
        self._sandbox_ready.wait()
        if self._sandbox_error is not None:
            raise RuntimeError(f"the sandbox failed to start: {self._sandbox_error}")

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        with _plugin_output_to_stderr():
            self.plugins.notify("startup", app=self)

    def close(self) -> None:
        with _plugin_output_to_stderr():
            self.plugins.notify("shutdown", app=self)
        if self.sandbox is not None and self._sandbox_ready.is_set():
            self.sandbox.stop()
        if self._sandbox_cache is not None:
            self._sandbox_cache.cleanup()
