"""End to end: a real `spotify-mcp serve` subprocess, driven over stdio."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from plugin_kit import core_app, install_dist
from pydantic import BaseModel, ValidationError
from stdio_server import RawStdio, StdioServer

from spotify_mcp import hookimpl
from spotify_mcp.server import build_server


def test_initialize_list_and_call_server_info(tmp_path: Path) -> None:
    with StdioServer(home=tmp_path / "home") as server:
        tools = {tool.name: tool for tool in server.list_tools()}
        info_tool = tools["server_info"]
        assert info_tool.annotations.read_only_hint is True
        assert info_tool.output_schema["type"] == "object"
        info = server.call_ok("server_info")
        assert info["version"]
        assert "server" in info["plugins"]
        assert info["login"] == "none"


GC_PROBE = """
import gc
import sys

from spotify_mcp import hookimpl


@hookimpl
def startup(app):
    from mcp.server.mcpserver import MCPServer

    # gc.get_objects() walks the generations the collector visits, not what gc.freeze() moved.
    frozen = all(o is not MCPServer for o in gc.get_objects())
    print(f"mcp SDK frozen: {frozen}", file=sys.stderr)
"""


def test_serve_freezes_the_mcp_sdk_out_of_the_collector(tmp_path: Path) -> None:
    """The SDK loads before startup's objects are frozen, not with the collector running
    (about a tenth of a cold start; benchmarks/coldstart.py has the figures)."""
    site = tmp_path / "site"
    install_dist(site, "spotify-mcp-gcprobe", "1.0", {"gcprobe_plugin": GC_PROBE})
    with StdioServer(env={"PYTHONPATH": str(site)}, home=tmp_path / "home") as server:
        assert server.list_tools()
    assert "mcp SDK frozen: True" in server.log_text()


def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(tmp_path: Path) -> None:
    with StdioServer(home=tmp_path / "home") as server:
        assert "unknown argument(s) verbose" in server.call_error("server_info", verbose=True)
        many = server.call_error("server_info", {f"{n}{'k' * 10_000}": 1 for n in range(100)})
        assert "unknown argument(s) 0kkk" in many and "and 95 more" in many and len(many) < 600
        assert "Unknown tool" in server.call_error("no_such_tool")
        assert server.call_ok("server_info")["version"]


def test_an_unknown_argument_is_shown_even_when_it_does_not_read_as_a_name(
    tmp_path: Path,
) -> None:
    """Found by tests/tools/test_fuzz.py: an argument named "" or holding an escape character
    came back as it was ("unknown argument(s) ; ..."), invisible or garbling a terminal."""
    with StdioServer(home=tmp_path / "home") as server:
        message = server.call_error("server_info", {"": 1, "a\x1b[31mb": 2, "verbose": 3})
    assert message == (
        'unknown argument(s) "", "a\\u001b[31mb", verbose; server_info takes: no arguments'
    )


def test_a_failed_call_is_logged_once(tmp_path: Path) -> None:
    with StdioServer(home=tmp_path / "home") as server:  # no login
        assert "Not logged in to Spotify." in server.call_error("library_get_profile")
    assert server.log_text().count("Not logged in to Spotify.") == 1, server.log_text()


BAD_CANCEL = {"requestId": {"not": "an id"}}  # the SDK drops it; it must not crash anything
DEEP = {"_meta": {"x": json.loads("[" * 900 + "]" * 900)}}  # past pydantic's limit, not json's


def test_malformed_lines_get_protocol_errors_and_the_server_keeps_answering(tmp_path: Path) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": RawStdio.HELLO}
    lines = [
        "{this is not json",
        json.dumps(init),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": "oops"}),
        "[1, 2, 3]",
        json.dumps({"jsonrpc": "2.0", "id": {"an": "object"}, "method": "ping"}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": BAD_CANCEL}),
        json.dumps({"jsonrpc": "2.0", "id": 5, "method": "ping", "params": DEEP}),
        '{"jsonrpc": "2.0", "id": 6, "method": "ping", "params": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps({"jsonrpc": "2.0", "method": "notifications/progress", "params": []}),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}),
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}),
    ]
    answers = []
    with RawStdio(home=tmp_path / "home") as raw:
        for line in lines:
            raw.send(line)
            if "notifications/" not in line or '"params": []' in line:
                answers.append(raw.receive())

    parse_error, initialized, bad_params, batch, bad_id, deep, deeper, bad_note = answers[:8]
    unknown, listed = answers[8:]
    assert parse_error["error"]["code"] == -32700 and parse_error["id"] is None
    assert initialized["id"] == 1 and "capabilities" in initialized["result"]
    assert bad_params["id"] == 2 and bad_params["error"]["code"] == -32600
    assert batch["error"]["code"] == -32600
    assert bad_id["id"] is None and bad_id["error"]["code"] == -32600
    for too_deep in (deep, deeper):  # once, a RecursionError killed the server
        assert too_deep["error"]["code"] == -32700 and "recursion limit" in str(too_deep)
    assert bad_note["error"] == {
        "code": -32600,
        "message": "Invalid request: params: Input should be an object",
    }
    assert unknown["id"] == 3 and unknown["error"]["code"] == -32601
    assert listed["id"] == 4 and any(t["name"] == "server_info" for t in listed["result"]["tools"])


def test_params_against_the_mcp_schema_say_which_field_is_wrong(tmp_path: Path) -> None:
    requests = [
        ("tools/call", {"name": "server_info", "arguments": "oops"}),
        ("tools/call", {"arguments": {}}),
        ("resources/read", {}),
        ("prompts/get", {"name": "x", "arguments": {"k" * 10_000: 1}}),
        ("completion/complete", {"ref": {"type": "ref/zzz"}, "argument": {"name": "a"}}),
    ]
    with RawStdio(home=tmp_path / "home") as raw:
        raw.initialize()
        errors = []
        for n, (method, params) in enumerate(requests, start=10):
            raw.send({"jsonrpc": "2.0", "id": n, "method": method, "params": params})
            errors.append(raw.receive()["error"])
        raw.send({"jsonrpc": "2.0", "id": 99, "method": "tools/list"})
        assert raw.receive()["result"]["tools"]
    assert {error["code"] for error in errors} == {INVALID_PARAMS}
    messages = [error["message"] for error in errors]
    assert messages[:3] == [
        "Invalid params for tools/call: params.arguments: Input should be a valid dictionary",
        "Invalid params for tools/call: params.name: Field required",
        "Invalid params for resources/read: params.uri: Field required",
    ]
    assert messages[3].startswith("Invalid params for prompts/get: params.arguments.kkk")
    assert messages[3].endswith("...: Input should be a valid string") and len(messages[3]) < 200
    assert "params.ref.PromptReference.name: Field required" in messages[4]
    assert "and 2 more" in messages[4]  # ref's other branch, and argument.value


def test_a_validation_error_not_of_the_params_keeps_the_sdk_s_answer() -> None:
    """Only the SDK's schema check (locations under "params") is the client's fault: a
    handler's own failed validation is not rewritten as the client's invalid params."""
    from types import SimpleNamespace

    from spotify_mcp.protocol import explain_invalid_params

    class Own(BaseModel):
        name: str

    def failing(model: type[BaseModel], data: object) -> Any:
        async def call_next(ctx: Any) -> Any:
            return model.model_validate(data)

        ctx: Any = SimpleNamespace(method="tools/call")
        return anyio.run(explain_invalid_params, ctx, call_next)

    with pytest.raises(ValidationError):  # the handler's: passed on as it is
        failing(Own, {})

    class Request(BaseModel):
        params: Own

    with pytest.raises(MCPError) as params_error:
        failing(Request, {"params": {}})
    assert (
        params_error.value.error.message
        == "Invalid params for tools/call: params.name: Field required"
    )


def test_a_request_before_initialize_is_told_to_initialize_first(tmp_path: Path) -> None:
    with RawStdio(home=tmp_path / "home") as raw:
        raw.send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        early = raw.receive()["error"]
        raw.initialize()
        raw.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert raw.receive()["result"]["tools"]
    assert early == {
        "code": INVALID_PARAMS,
        "message": "tools/list before initialize: send initialize (then "
        "notifications/initialized) first",
    }


def test_tool_calls_run_concurrently(plugin_site: Path, tmp_path: Path) -> None:
    # hello_rendezvous returns only when two calls wait at once: serial execution would fail.
    env = {"PYTHONPATH": os.environ["PYTHONPATH"]}
    with StdioServer(env=env, home=tmp_path / "home") as server:
        results = server.gather([("hello_rendezvous", {}), ("hello_rendezvous", {})])
        assert [r.structured_content for r in results] == [{"text": "met"}] * 2


def greet_prompt(name: str, mood: str = "cheerful") -> str:
    """Greet someone."""
    return f"Greet {name} in a {mood} way."


class Prompts:
    @hookimpl
    def register_prompts(self, registry) -> None:
        registry.add(greet_prompt, title="Greet", name="greet")


def test_prompt_arguments_are_checked_as_invalid_params() -> None:
    server = build_server(core_app(inline_plugins=[("prompts_demo", Prompts())]))
    with pytest.raises(MCPError, match="missing: name") as missing:
        anyio.run(server.get_prompt, "greet", {})
    assert missing.value.error.code == INVALID_PARAMS
    with pytest.raises(MCPError, match="unknown: colour"):
        anyio.run(server.get_prompt, "greet", {"name": "Ada", "colour": "red"})
    rendered = anyio.run(server.get_prompt, "greet", {"name": "Ada"})
    assert "Greet Ada" in rendered.messages[0].content.text


def test_an_unknown_prompt_is_named_clipped_and_escaped() -> None:
    server = build_server(core_app(inline_plugins=[("prompts_demo", Prompts())]))
    with pytest.raises(MCPError) as unknown:
        anyio.run(server.get_prompt, "greet\x1b[2J" + "x" * 5000, {})
    assert unknown.value.error.code == INVALID_PARAMS
    message = unknown.value.error.message
    assert message.startswith('Unknown prompt: "greet\\u001b[2J') and len(message) < 100


def take_a_count(count: int | str = 1) -> Counted:
    """A plugin's argument that is a number or a name: true is neither."""
    return Counted(value=str(count))


class Counted(BaseModel):
    value: str


class Counting:
    @hookimpl
    def register_tools(self, registry) -> None:
        registry.add(take_a_count, title="Count", read_only=True, requires_user=False)


def test_true_for_an_argument_that_may_be_a_number_is_refused() -> None:
    server = build_server(core_app(inline_plugins=[("counting", Counting())]))
    with pytest.raises(ToolError, match="count: true or false is not a number"):
        anyio.run(server.call_tool, "take_a_count", {"count": True})
    assert anyio.run(server.call_tool, "take_a_count", {"count": "two"}).structured_content == {
        "value": "two"
    }


class Echoed(BaseModel):
    said: str


def echo(text: str) -> Echoed:
    """Say it back."""
    return Echoed(said=text)


def test_a_tool_wrapped_by_a_decorator_of_another_module_keeps_its_annotations() -> None:
    """Its string annotations name what its own module holds, not the decorator's."""
    decorators: dict[str, Any] = {}
    exec(
        "import functools\n"
        "def logged(tool):\n"
        "    @functools.wraps(tool)\n"
        "    def run(**arguments):\n"
        "        return tool(**arguments)\n"
        "    return run\n",
        decorators,
    )

    class Echoing:
        @hookimpl
        def register_tools(self, registry) -> None:
            logged = decorators["logged"](echo)
            registry.add(logged, title="Echo", read_only=True, requires_user=False)

    app = core_app(inline_plugins=[("echoing", Echoing())])
    assert app.plugins.info["echoing"].error is None
    result = anyio.run(build_server(app).call_tool, "echo", {"text": "hi"})
    assert result.structured_content == {"said": "hi"}
