"""The plugin manager: built-in and third-party plugins load the same way, by entry point.

Disabled plugins are never imported, so a broken plugin can be disabled. A plugin that
fails to import or to register is recorded with its error and left out; the rest load.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib.metadata import Distribution, EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

import pluggy
from loguru import logger

from spotify_mcp import hookspecs
from spotify_mcp.config import Settings

if TYPE_CHECKING:
    from pydantic import BaseModel

GROUP = "spotify_mcp"
OWN_DISTRIBUTION = "spotify-mcp"
#: Core parts: refusing to disable them keeps `server_info` and the CLI usable.
ESSENTIAL = frozenset({"server"})
#: A plugin's settings section is named after it: these names are the core's settings.
RESERVED = frozenset(Settings.model_fields)


@dataclass
class PluginInfo:
    name: str
    distribution: str | None = None
    version: str | None = None
    enabled: bool = True
    error: str | None = None
    """Why the plugin failed to import or register; None when it is loaded."""

    @property
    def loaded(self) -> bool:
        return self.enabled and self.error is None


def _name_and_version(dist: Distribution | None) -> tuple[str | None, str | None]:
    """From the METADATA headers only: ``dist.name`` parses the whole file, long description
    included, which costs startup milliseconds per plugin."""
    text = (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "") if dist else ""
    headers = HeaderParser().parsestr(text.split("\n\n", 1)[0])
    return headers["Name"], headers["Version"]


def _refused_as_a_core_setting(info: PluginInfo) -> bool:
    """Refuse a plugin named like a core setting (``http``): its section would replace it."""
    if info.name not in RESERVED:
        return False
    info.error = f"{info.name!r} is the name of a core setting; a plugin cannot take it"
    logger.error("plugin {} ({}) not loaded: {}", info.name, info.distribution, info.error)
    return True


class Plugins:
    """A pluggy manager plus what it knows about every installed plugin."""

    def __init__(self, disabled: Iterable[str] = ()) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self.disabled = {name for name in disabled if name not in ESSENTIAL}
        for name in set(disabled) & ESSENTIAL:
            logger.warning("plugin {} is a core part and cannot be disabled; loading it", name)

    def load_entry_points(self) -> None:
        distributions: dict[int, tuple[str | None, str | None]] = {}
        found = []
        for ep in entry_points(group=GROUP):
            dist = getattr(ep, "dist", None)
            if id(dist) not in distributions:
                distributions[id(dist)] = _name_and_version(dist)
            found.append((ep, *distributions[id(dist)]))
        # Ours first: a pack cannot replace a built-in plugin by taking its name.
        for ep, distribution, version in sorted(found, key=lambda f: f[1] != OWN_DISTRIBUTION):
            self._load(ep, distribution, version)

    def _load(self, ep: EntryPoint, distribution: str | None, version: str | None) -> None:
        if ep.name in self.info:
            error = f"{self.info[ep.name].distribution} already provides a plugin named {ep.name!r}"
            logger.error("plugin {} ({}) not loaded: {}", ep.name, distribution, error)
            # Listed (plugins list, server_info) under a name of its own, not silently lost.
            clash = f"{ep.name} ({distribution})"
            self.info[clash] = PluginInfo(clash, distribution, version, error=error)
            return
        info = PluginInfo(ep.name, distribution, version, enabled=ep.name not in self.disabled)
        self.info[ep.name] = info
        if not info.enabled or _refused_as_a_core_setting(info):
            return  # blocked (or refused) before import
        try:
            self.pm.register(ep.load(), name=ep.name)
        except Exception as error:
            self.fail(ep.name, error)

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin (tests, embedding), unless it is disabled."""
        info = self.info[name] = PluginInfo(name, enabled=name not in self.disabled)
        if info.enabled and not _refused_as_a_core_setting(info):
            self.pm.register(plugin, name=name)

    def fail(self, name: str, error: BaseException) -> None:
        """Record ``error`` for plugin ``name`` and take it out of every hook."""
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        info = self.info.setdefault(name, PluginInfo(name))
        info.error = detail
        logger.error("plugin {} ({}) failed and is left out: {}", name, info.distribution, detail)
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin, name=name)

    def implementations(self, hook: str) -> Iterator[tuple[str, Callable[..., Any]]]:
        """``(plugin name, function)`` for each loaded plugin implementing ``hook``, in
        registration order."""
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            yield impl.plugin_name, impl.function

    def impl(self, name: str, hook: str) -> Callable[..., Any] | None:
        """Plugin ``name``'s implementation of ``hook``, if it has one."""
        return next((fn for plugin, fn in self.implementations(hook) if plugin == name), None)

    def loaded(self) -> list[str]:
        """Names of the plugins that are enabled and loaded without error."""
        return [name for name, info in self.info.items() if info.loaded]

    def answers(
        self, hook: str, fail: Callable[[str, BaseException], None] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Each plugin's answer to ``hook`` that is not None, by plugin name. A plugin that
        raises is failed (by ``fail``, default :meth:`fail`) and left out."""
        found: dict[str, Any] = {}
        for name, fn in self.implementations(hook):
            try:
                answer = fn(**kwargs)
            except Exception as error:
                (fail or self.fail)(name, error)
                continue
            if answer is not None:
                found[name] = answer
        return found

    def collect_settings(self) -> dict[str, type[BaseModel]]:
        """Each plugin's settings model (``plugin_settings`` hook), keyed by plugin name."""
        return self.answers("plugin_settings")

    def hooks_of(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return []
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

    def notify(self, hook: str, **kwargs: Any) -> None:
        """Call an observation hook on every plugin; one plugin's error never stops the rest."""
        for name, fn in self.implementations(hook):
            try:
                fn(**kwargs)
            except Exception:
                logger.exception("plugin {} raised in {}", name, hook)
