"""Builds the MCP server from what plugins registered, and runs it over stdio.

Each registered function is wrapped once: the parameters named ``spotify`` and ``app`` are
filled in and hidden from the input schema; Spotify, transport and input errors become a
tool result with ``isError`` and one actionable sentence; a pydantic model result becomes
structured content plus its compact JSON as text.
"""

from __future__ import annotations

import functools
import inspect
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectSendStream
from loguru import logger
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.resources import FunctionResource, ResourceTemplate
from mcp.server.mcpserver.tools import Tool
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    Completion,
    ResourceTemplateReference,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, ValidationError

from spotify_mcp import progress
from spotify_mcp.app import App
from spotify_mcp.auth.credentials import LOGIN_CHECK_S
from spotify_mcp.errors import (
    InvalidInput,
    SpotifyMCPError,
    clipped,
    explain,
    explain_arguments,
    listed,
    named,
)
from spotify_mcp.pipeline import TransportError
from spotify_mcp.protocol import explain_invalid_params
from spotify_mcp.registry import PromptSpec, ResourceSpec, ToolSpec, evaluated
from spotify_mcp.schemas import compact_output_schema, compact_schema
from spotify_mcp.stdio import run_stdio

INSTRUCTIONS = (
    "Spotify for assistants: search the catalog, control playback, curate playlists and the "
    "library. Wherever an item is named, a spotify: URI or an open.spotify.com URL works, "
    "and a bare ID where one kind is meant. Playback needs an active device "
    "(playback_devices, playback_transfer)."
)
F = TypeVar("F", bound=Callable[..., Any])
_INJECTED: dict[str, Callable[[App], Any]] = {"spotify": App.spotify, "app": lambda app: app}
_CONTEXT = "mcp_context"


def _injections(app: App, names: list[str]) -> dict[str, Any]:
    """The values of a tool's or resource's injected parameters (``spotify``, ``app``)."""
    return {name: _INJECTED[name](app) for name in names}


class SpotifyMCPServer(MCPServer):
    """MCPServer that reports every tool call (validation failures included) to plugins."""

    def __init__(self, app: App, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.middleware.append(explain_invalid_params)

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            self._reject_hidden_tool(name)
            self._check_arguments(name, arguments)
            try:
                result = await super().call_tool(name, arguments, context)
            except ToolError as error:
                if isinstance(error.__cause__, ValidationError):
                    raise ToolError(explain_arguments(name, error.__cause__)) from None
                raise
            outcome = "error" if getattr(result, "is_error", False) else "ok"
            return result
        except anyio.get_cancelled_exc_class():
            outcome = "cancelled"  # the client cancelled it (notifications/cancelled)
            raise
        finally:
            self.app.plugins.notify(
                "tool_called", name=name, outcome=outcome, duration_s=time.perf_counter() - started
            )

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        """Missing, unknown or invalid prompt arguments are invalid params, not an internal
        error; a prompt the login hides says why."""
        spec = self.app.prompts.get(name)
        if spec:
            _refuse_if_hidden(self.app, spec)
        prompt = next((p for p in await self.list_prompts() if p.name == name), None)
        if prompt is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {named(name)}")
        declared = {arg.name: arg.required for arg in prompt.arguments or []}
        given = set(arguments or {})
        problems = []
        if missing := sorted(a for a, required in declared.items() if required and a not in given):
            problems.append(f"missing: {', '.join(missing)}")
        if unknown := sorted(given - set(declared)):
            problems.append(f"unknown: {listed([named(u) for u in unknown])}")
        if problems:
            takes = ", ".join(declared) or "no arguments"
            raise MCPError(
                code=INVALID_PARAMS, message=f"prompt {name} takes {takes}; {'; '.join(problems)}"
            )
        try:
            return await super().get_prompt(name, arguments, context)
        except ValueError as error:  # the SDK's "Error rendering prompt", hiding the reason
            cause = error.__cause__
            while cause is not None and not isinstance(cause, InvalidInput):
                cause = cause.__cause__
            if cause is None:
                raise
            raise MCPError(code=INVALID_PARAMS, message=str(cause)) from None

    async def list_tools(self) -> list[Any]:
        """Registered tools less those the login hides (which catalog mode stops hiding once
        a login is stored); resources and prompts likewise."""
        return self._offered(await super().list_tools(), self.app.tools)

    async def list_resources(self) -> list[Any]:
        return self._offered(await super().list_resources(), self.app.resources)

    async def list_resource_templates(self) -> list[Any]:
        return self._offered(await super().list_resource_templates(), self.app.resources)

    async def list_prompts(self) -> list[Any]:
        return self._offered(await super().list_prompts(), self.app.prompts)

    async def read_resource(self, uri: Any, context: Any = None) -> Any:
        """An unknown URI is named cut short: it can be any length."""
        try:
            return await super().read_resource(uri, context)
        except ResourceNotFoundError as error:
            if str(error) != f"Unknown resource: {uri}":  # a reader's own explanation
                raise
            unsafe = f" ({error.__cause__})" if error.__cause__ else ""  # e.g. ".." in an ID
            raise MCPError(
                code=INVALID_PARAMS, message=f"Unknown resource: {clipped(str(uri))}{unsafe}"
            ) from None

    async def run_stdio_async(self) -> None:
        if self.app.login_kind != "app":
            await run_stdio(self._lowlevel_server)
            return
        # Catalog mode: a login stored meanwhile (auth login in a terminal) adds user tools.
        changes_in, changes_out = anyio.create_memory_object_stream[str](1)
        async with anyio.create_task_group() as group:
            group.start_soon(self._announce_login, changes_in)
            await run_stdio(self._lowlevel_server, changes_out)
            group.cancel_scope.cancel()

    async def _announce_login(self, changes: MemoryObjectSendStream[str]) -> None:
        while await anyio.to_thread.run_sync(lambda: self.app.login_kind) == "app":
            await anyio.sleep(LOGIN_CHECK_S)
        for kind in ("tools", "resources", "prompts"):
            await changes.send(f"notifications/{kind}/list_changed")

    def _offered(
        self, listed: list[Any], specs: Iterable[ToolSpec | ResourceSpec | PromptSpec]
    ) -> list[Any]:
        """``listed`` less what the login hides of ``specs``."""
        hidden = {spec.name for spec in specs if self.app.hidden_reason(spec)}
        return [item for item in listed if item.name not in hidden]

    def _reject_hidden_tool(self, name: str) -> None:
        """A tool the login hides says why, rather than that there is no such tool."""
        spec = self.app.tools.get(name)
        reason = self.app.hidden_reason(spec) if spec else None
        if reason:
            raise ToolError(f"{name} is not offered: {reason}")

    def _check_arguments(self, name: str, arguments: dict[str, Any]) -> None:
        """What validation would let through: a misspelt argument (dropped silently), and
        true or false for a number (pydantic takes true as 1: "volume": true sets 1%)."""
        schema = self._tool_input_schema(name)
        if schema is None:
            return
        known = schema.get("properties", {})
        unknown = sorted(set(arguments) - set(known))
        if unknown:
            raise ToolError(
                f"unknown argument(s) {listed([named(u) for u in unknown])}; {name} takes: "
                f"{', '.join(known) or 'no arguments'}"
            )
        booleans = [
            f"{argument}: true or false is not a number (got {clipped(json.dumps(value), 40)})"
            for argument, value in arguments.items()
            if _boolean_for_a_number(known[argument], value)
        ]
        if booleans:
            raise ToolError(f"Invalid arguments for {name}: {'; '.join(booleans)}.")


def _boolean_for_a_number(schema: dict[str, Any], value: Any) -> bool:
    if schema.get("type") == "array" and isinstance(value, list):
        return any(_boolean_for_a_number(schema.get("items", {}), item) for item in value)
    if not isinstance(value, bool):
        return False
    types = {branch.get("type") for branch in schema.get("anyOf", [schema])}  # int | str too
    return bool(types & {"integer", "number"}) and "boolean" not in types


@dataclass
class _PluginObjects:
    """One plugin's MCP objects, all built before any is served (a failure drops them all)."""

    tools: list[Tool] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)
    resources: list[tuple[ResourceSpec, Callable[..., str]]] = field(default_factory=list)


def build_server(app: App) -> SpotifyMCPServer:
    built: list[_PluginObjects] = []
    for plugin in app.plugins.loaded():
        try:
            built.append(_plugin_objects(app, plugin))
        except Exception as error:  # a bad signature or URI template: the plugin's fault
            app.fail_plugin(plugin, error)
    server = SpotifyMCPServer(
        app,
        name="spotify-mcp",
        title="Spotify",
        version=app.version,
        instructions=INSTRUCTIONS,
        tools=[tool for objects in built for tool in objects.tools],
    )
    for objects in built:
        for prompt in objects.prompts:
            server.add_prompt(prompt)
        for spec, read in objects.resources:
            server.resource(
                spec.uri,
                name=spec.name,
                title=spec.title,
                description=spec.description,
                mime_type=spec.mime_type,
            )(read)
    _add_completions(server, app)
    return server


def _plugin_objects(app: App, plugin: str) -> _PluginObjects:
    objects = _PluginObjects(
        tools=[mcp_tool(app, spec) for spec in app.tools.by_plugin(plugin)],
        prompts=[
            Prompt.from_function(s.fn, name=s.name, title=s.title, description=s.description)
            for s in app.prompts.by_plugin(plugin)
        ],
    )
    for spec in app.resources.by_plugin(plugin):
        read = _resource_reader(app, spec)
        if UriTemplate.parse(spec.uri).variable_names:
            ResourceTemplate.from_function(read, spec.uri, name=spec.name)  # validates
        else:
            FunctionResource.from_function(read, uri=spec.uri, name=spec.name)
        objects.resources.append((spec, read))
    return objects


# -- tools ------------------------------------------------------------------------------


def mcp_tool(app: App, spec: ToolSpec) -> Tool:
    signature, injected = public_signature(spec.fn)
    output = signature.return_annotation  # a pydantic model: the registry checked it

    @functools.wraps(spec.fn)
    def call(**kwargs: Any) -> CallToolResult:
        context = kwargs.pop(_CONTEXT)
        send, stop_if_cancelled = _progress_sender(context), _cancellation(context, app)
        with progress.reporting(send, stop_if_cancelled), explained(ToolError):
            result = spec.fn(**kwargs, **_injections(app, injected))
        return to_result(result)

    # The SDK passes the request's context to the parameter typed Context (not in the schema).
    context = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    tool = Tool.from_function(
        with_signature(
            call, signature.replace(parameters=[*signature.parameters.values(), context])
        ),
        name=spec.name,
        title=spec.title,
        description=spec.description,
        annotations=tool_annotations(spec),
        structured_output=False,  # the output model and schema are set below, schema cached
    )
    tool.parameters = compact_schema(tool.parameters)
    tool.fn_metadata.output_model = output
    tool.fn_metadata.output_schema = output_schema(output)
    return tool


def _cancellation(context: Context, app: App) -> Callable[[], None]:
    """How a call learns it is to stop. Over HTTP only when the shutdown grace has run out:
    MCP says a dropped connection is not a cancel, and a stateless server gets no cancel for
    another request's call; a change the client stopped waiting for is finished, not cut
    between chunks."""
    try:
        over_http = context.request_context.request is not None
    except ValueError:  # `spotify-mcp tools call`: Ctrl-C stops it
        over_http = False
    if not over_http:
        return anyio.from_thread.check_cancelled

    def when_the_grace_is_over() -> None:
        if app.calls_cut.is_set():
            anyio.from_thread.check_cancelled()  # uvicorn cancelled the call's task by then

    return when_the_grace_is_over


def _progress_sender(context: Context) -> progress.Send | None:
    """Sends the call's progress from any thread, when the client passed a progressToken."""
    try:
        meta = context.request_context.meta or {}
    except ValueError:  # `spotify-mcp tools call`: no request, nobody to tell
        return None
    if meta.get("progress_token") is None:
        return None
    loop = anyio.from_thread.run_sync(anyio.lowlevel.current_token)

    def send(done: float, total: float, message: str) -> None:
        try:
            anyio.from_thread.run(context.report_progress, done, total, message, token=loop)
        except Exception as error:  # the client is gone: the change goes on all the same
            logger.debug("progress not sent: {!r}", error)

    return send


@functools.cache
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The compact output schema of ``model``; tools sharing a result model share one."""
    return compact_output_schema(model.model_json_schema())


def tool_annotations(spec: ToolSpec) -> ToolAnnotations:
    """The hints that differ from MCP's defaults (readOnly false, destructive true, idempotent
    false, openWorld true), which clients apply to absent ones. destructive and idempotent mean
    nothing for a read-only tool. Equivalent to sending all four, in a quarter of the bytes."""
    return ToolAnnotations(
        read_only_hint=spec.read_only or None,
        destructive_hint=None if spec.read_only or spec.destructive else False,
        idempotent_hint=None if spec.read_only or not spec.idempotent else True,
        open_world_hint=None if spec.open_world else False,
    )


def to_result(result: BaseModel) -> CallToolResult:
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


@contextmanager
def explained(wrap: type[Exception], unknown: type[Exception] | None = None) -> Iterator[None]:
    """Re-raise expected failures as ``wrap(one actionable sentence)``, or as ``unknown`` when
    given and the failure is a malformed reference or an unknown ID; bugs pass through (the
    SDK logs them and tells the client only that the call failed)."""
    try:
        yield
    except Exception as error:
        from spotipy.exceptions import SpotifyException

        if not isinstance(error, SpotifyMCPError | TransportError | SpotifyException):
            raise
        message = explain(error)  # logged by the SDK with the tool or resource it failed
        names_nothing = isinstance(error, InvalidInput) or getattr(error, "http_status", 0) == 404
        raise (unknown if unknown and names_nothing else wrap)(message) from None


def public_signature(fn: Callable[..., Any]) -> tuple[inspect.Signature, list[str]]:
    """``fn``'s signature without the injected parameters, annotations evaluated.

    Annotations are evaluated one by one so a plugin can import ``Spotify`` under
    ``TYPE_CHECKING`` only (importing spotipy at startup would slow every cold start).
    """
    signature = inspect.signature(fn)
    injected = [name for name in signature.parameters if name in _INJECTED]
    params = [
        p.replace(annotation=evaluated(p.annotation, fn))
        for p in signature.parameters.values()
        if p.name not in _INJECTED
    ]
    return signature.replace(
        parameters=params, return_annotation=evaluated(signature.return_annotation, fn)
    ), injected


def with_signature(fn: F, signature: inspect.Signature) -> F:
    """Give a wrapper its public signature, for the SDK's inspect and pydantic's type hints."""
    fn.__signature__ = signature  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    fn.__annotations__["return"] = signature.return_annotation
    return fn


# -- resources, prompts, completions ------------------------------------------------------


def _resource_reader(app: App, spec: ResourceSpec) -> Callable[..., str]:
    signature, injected = public_signature(spec.fn)

    def read(**kwargs: Any) -> str:
        if reason := app.hidden_reason(spec):  # listed to no one, but a URI can be guessed
            raise ResourceNotFoundError(f"{spec.uri} is not offered: {reason}")
        with explained(ResourceError, unknown=ResourceNotFoundError):
            result = spec.fn(**kwargs, **_injections(app, injected))
        if isinstance(result, BaseModel):
            return result.model_dump_json(by_alias=True, exclude_none=True)
        return result if isinstance(result, str) else json.dumps(result)

    read.__name__ = spec.name
    return with_signature(read, signature.replace(return_annotation=str))


def _refuse_if_hidden(app: App, prompt: PromptSpec) -> None:
    """A prompt the login hides says why, rather than that there is no such prompt."""
    if reason := app.hidden_reason(prompt):
        message = f"prompt {prompt.name} is not offered: {reason}"
        raise MCPError(code=INVALID_PARAMS, message=message)


def _add_completions(server: MCPServer, app: App) -> None:
    # Each template and each prompt with the names of its arguments.
    templates = {
        spec.uri: (spec, names)
        for spec in app.resources
        if (names := UriTemplate.parse(spec.uri).variable_names)
    }
    prompts = {spec.name: (spec, inspect.signature(spec.fn).parameters) for spec in app.prompts}

    @server.completion()  # type: ignore[untyped-decorator,no-untyped-call]
    async def complete(ref: Any, argument: Any, context: Any) -> Completion | None:
        """Values for a resource template's argument; an unknown prompt, template or
        argument is invalid params, as the MCP spec asks."""
        if not isinstance(ref, ResourceTemplateReference):
            if ref.name not in prompts:
                raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {named(ref.name)}")
            prompt, arguments = prompts[ref.name]
            _refuse_if_hidden(app, prompt)
            if argument.name not in arguments:
                message = f"prompt {prompt.name} has no argument {named(argument.name)}"
                raise MCPError(code=INVALID_PARAMS, message=message)
            return None  # prompts take no completions
        if ref.uri not in templates:
            message = f"Unknown resource template: {named(ref.uri)}"
            raise MCPError(code=INVALID_PARAMS, message=message)
        spec, names = templates[ref.uri]
        if argument.name not in names:
            message = f"{spec.uri} has no argument {named(argument.name)}"
            raise MCPError(code=INVALID_PARAMS, message=message)
        completer = spec.complete.get(argument.name)
        if completer is None or app.hidden_reason(spec):
            return None
        try:
            values = await anyio.to_thread.run_sync(completer, app.spotify(), argument.value)
        except Exception as error:
            logger.info("completion of {} failed: {}", argument.name, explain(error))
            return None
        return Completion(values=values[:100], total=len(values), has_more=len(values) > 100)


# -- running ----------------------------------------------------------------------------


async def serve_stdio(app: App) -> None:
    server = build_server(app)
    app.start()
    try:
        await server.run_stdio_async()
    finally:
        app.close()
