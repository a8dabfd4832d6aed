"""stdio for the MCP server, where a malformed line gets an answer.

The SDK's stdio transport ignores a line it cannot parse, which leaves a client waiting
forever. JSON-RPC says to answer it: a parse error (-32700) for a line that is not JSON, an
invalid-request error (-32600, with the request's id when it has one) for JSON that is not
a message. The server keeps serving either way.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, cast

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCNotification,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError


def protocol_error(line: str) -> JSONRPCError | None:
    """The JSON-RPC error answering a malformed line, or None when the line is a message."""
    try:
        message = jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as invalid:
        try:
            data = json.loads(line)
        except ValueError:
            return _error(None, PARSE_ERROR, "Parse error: the line is not valid JSON")
        request_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(request_id, bool) or not isinstance(request_id, int | str):
            request_id = None
        problem = invalid.errors()[0]
        where = ".".join(str(part) for part in problem["loc"][1:]) or "message"
        return _error(request_id, INVALID_REQUEST, f"Invalid request: {where}: {problem['msg']}")
    # An id that is neither a string nor a number would pass as a notification: never answered.
    if isinstance(message, JSONRPCNotification) and "id" in json.loads(line):
        return _error(None, INVALID_REQUEST, "Invalid request: id must be a string or a number")
    return None


def _error(request_id: int | str | None, code: int, message: str) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))


class _CheckedLines:
    """stdin lines for the SDK's reader; malformed ones are answered here and dropped."""

    def __init__(self, lines: AsyncIterable[str], answers: MemoryObjectSendStream[Any]) -> None:
        self.lines, self.answers = lines, answers

    async def __aiter__(self) -> AsyncIterator[str]:
        async for line in self.lines:
            if not line.strip():
                continue
            error = protocol_error(line)
            if error is None:
                yield line
            else:
                await self.answers.send(SessionMessage(error))


async def run_stdio(server: Server[Any]) -> None:
    """Serve ``server`` on stdin/stdout until stdin closes."""
    answers_in, answers_out = anyio.create_memory_object_stream[SessionMessage](16)
    stdin = anyio.wrap_file(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    lines = cast(Any, _CheckedLines(stdin, answers_in))  # the SDK only iterates it
    async with (
        stdio_server(stdin=lines) as (read_stream, write_stream),
        anyio.create_task_group() as group,
    ):

        async def send_answers() -> None:
            async for answer in answers_out:
                await write_stream.send(answer)

        group.start_soon(send_answers)
        await server.run(read_stream, write_stream, server.create_initialization_options())
        group.cancel_scope.cancel()
