"""What plugins register: tools, resources, prompts and health checks.

Each registration hook receives a registry scoped to the calling plugin, so the core knows
which plugin added what. A plugin's registrations take effect only if its hook returns
normally; two plugins registering the same name is a startup error naming both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel


def evaluated(annotation: Any, fn: Callable[..., Any]) -> Any:
    """An annotation of ``fn`` as an object: under ``from __future__ import annotations``
    it is the source text."""
    if isinstance(annotation, str):
        # In the module that wrote it: a decorator's wrapper (functools.wraps) may live
        # in another.
        return eval(annotation, getattr(inspect.unwrap(fn), "__globals__", {}))
    return annotation


class DuplicateNameError(Exception):
    """Two plugins registered the same name."""


@dataclass(frozen=True)
class ToolSpec:
    """A tool as a plugin registered it.

    ``fn`` is a plain function whose typed parameters become the tool's input schema and
    whose return annotation (a pydantic model) becomes its output schema. A parameter named
    ``spotify`` receives the Spotify session and one named ``app`` the running
    :class:`~spotify_mcp.app.App`; neither is shown to clients.
    """

    name: str
    fn: Callable[..., Any]
    title: str
    description: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    requires_user: bool
    endpoints: tuple[str, ...] = ()
    """The Spotify Web API operations the tool may call, as ``"GET /tracks/{id}"``."""
    plugin: str = ""


@dataclass(frozen=True)
class ResourceSpec:
    """A resource or, when ``uri`` has ``{params}``, a resource template."""

    name: str
    uri: str
    fn: Callable[..., Any]
    title: str
    description: str
    mime_type: str = "application/json"
    complete: dict[str, Callable[..., list[str]]] = field(default_factory=dict)
    """Argument name -> function(spotify, partial_value) returning completions."""
    requires_user: bool = True
    plugin: str = ""


@dataclass(frozen=True)
class PromptSpec:
    name: str
    fn: Callable[..., Any]
    title: str
    description: str
    requires_user: bool = True
    plugin: str = ""


@dataclass(frozen=True)
class HealthCheck:
    """``fn(app)`` returns a short detail string when healthy and raises when not."""

    name: str
    fn: Callable[..., str]
    kind: Literal["liveness", "readiness"]
    plugin: str = ""


SpecT = TypeVar("SpecT", ToolSpec, ResourceSpec, PromptSpec, HealthCheck)


class _Registry(Generic[SpecT]):
    kind = "item"

    def __init__(self) -> None:
        self._items: dict[str, SpecT] = {}
        self._pending: list[SpecT] = []
        self.plugin = ""

    def scoped(self, plugin: str) -> _Registry[SpecT]:
        """A view that records ``plugin`` on everything added through it."""
        view = type(self).__new__(type(self))
        view._items, view._pending, view.plugin = self._items, [], plugin
        return view

    def _add(self, spec: SpecT) -> None:
        self._pending.append(spec)

    def commit(self) -> None:
        """Make the plugin's registrations visible; rejects duplicate names."""
        for spec in self._pending:
            other = self._items.get(spec.name)
            if other is not None:
                raise DuplicateNameError(
                    f"{self.kind} {spec.name!r} is registered by both plugin "
                    f"{other.plugin!r} and plugin {spec.plugin!r}; disable one of them "
                    "(spotify-mcp plugins disable NAME)"
                )
            self._items[spec.name] = spec
        self._pending = []

    def drop(self, plugin: str) -> None:
        """Forget everything ``plugin`` registered (it failed after registering)."""
        for name in [name for name, spec in self._items.items() if spec.plugin == plugin]:
            del self._items[name]

    def __iter__(self) -> Iterator[SpecT]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def get(self, name: str) -> SpecT | None:
        return self._items.get(name)

    def by_plugin(self, plugin: str) -> list[SpecT]:
        return [spec for spec in self._items.values() if spec.plugin == plugin]


class ToolRegistry(_Registry[ToolSpec]):
    kind = "tool"

    def add(
        self,
        fn: Callable[..., Any],
        *,
        title: str,
        read_only: bool,
        destructive: bool | None = None,
        idempotent: bool | None = None,
        open_world: bool = True,
        requires_user: bool = True,
        endpoints: tuple[str, ...] | list[str] = (),
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Register ``fn`` as a tool named ``name`` (default: the function's name).

        The description defaults to the docstring. A read-only tool is neither destructive
        nor non-idempotent; any other tool must say whether it is destructive (deletes or
        overwrites) and idempotent (repeating it changes nothing more). ``requires_user``
        is False for tools that work with an app-only (client credentials) token.
        ``endpoints`` lists the Web API operations the tool reaches (``"GET /me/player"``,
        paths as in Spotify's reference); the README's coverage table is built from them.
        """
        tool = name or fn.__name__
        if not read_only and (destructive is None or idempotent is None):
            raise TypeError(f"tool {tool!r}: say destructive= and idempotent=")
        text = description or (fn.__doc__ or "").strip()
        if not text:
            raise TypeError(f"tool {tool!r} needs a description or docstring")
        # Checked here, not when a server is built: a plugin whose tool no server could
        # offer fails at load, and `plugins list` says so.
        if inspect.iscoroutinefunction(fn):
            raise TypeError(f"tool {tool!r} must be a plain function (tools run in threads)")
        returns = evaluated(inspect.signature(fn).return_annotation, fn)
        if not (isinstance(returns, type) and issubclass(returns, BaseModel)):
            raise TypeError(f"tool {tool!r} must be annotated to return a pydantic model")
        self._add(
            ToolSpec(
                name=tool,
                fn=fn,
                title=title,
                description=" ".join(text.split()),
                read_only=read_only,
                destructive=bool(destructive) and not read_only,
                idempotent=True if read_only else bool(idempotent),
                open_world=open_world,
                requires_user=requires_user,
                endpoints=tuple(endpoints),
                plugin=self.plugin,
            )
        )


class ResourceRegistry(_Registry[ResourceSpec]):
    kind = "resource"

    def add(
        self,
        fn: Callable[..., Any],
        *,
        uri: str,
        title: str,
        name: str | None = None,
        description: str | None = None,
        mime_type: str = "application/json",
        complete: dict[str, Callable[..., list[str]]] | None = None,
        requires_user: bool = True,
    ) -> None:
        """Register ``fn`` as the reader of ``uri`` (a template when it has ``{params}``);
        ``requires_user`` as for tools."""
        self._add(
            ResourceSpec(
                name=name or fn.__name__,
                uri=uri,
                fn=fn,
                title=title,
                description=" ".join((description or fn.__doc__ or "").split()),
                mime_type=mime_type,
                complete=complete or {},
                requires_user=requires_user,
                plugin=self.plugin,
            )
        )


class PromptRegistry(_Registry[PromptSpec]):
    kind = "prompt"

    def add(
        self,
        fn: Callable[..., Any],
        *,
        title: str,
        name: str | None = None,
        description: str | None = None,
        requires_user: bool = True,
    ) -> None:
        """Register ``fn`` (typed string arguments, returns the prompt text) as a prompt;
        ``requires_user`` as for tools (a prompt is a task with tools that need a user)."""
        self._add(
            PromptSpec(
                name=name or fn.__name__,
                fn=fn,
                title=title,
                description=" ".join((description or fn.__doc__ or "").split()),
                requires_user=requires_user,
                plugin=self.plugin,
            )
        )


class HealthRegistry(_Registry[HealthCheck]):
    kind = "health check"

    def add(
        self, fn: Callable[..., str], *, name: str, kind: Literal["liveness", "readiness"]
    ) -> None:
        """Register a check; liveness = the process works, readiness = it can serve calls."""
        self._add(HealthCheck(name=name, fn=fn, kind=kind, plugin=self.plugin))
