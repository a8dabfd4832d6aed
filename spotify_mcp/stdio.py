"""stdio for the MCP server, where a malformed line gets an answer.

The SDK's stdio transport ignores a line it cannot parse, which leaves a client waiting
forever. JSON-RPC says to answer it: a parse error (-32700) for a line that is not JSON, an
invalid-request error (-32600, with the request's id when it has one) for JSON that is not
a message. The server keeps serving either way.

When stdin closes, or at SIGTERM, the requests already read are still answered (for up to
:data:`DRAIN_S`) before the server stops: a client that sends its last request and closes
its end (``printf ... | spotify-mcp serve``) gets its answer, and a playlist change in
flight is not cut off between two of its chunks. Then the shutdown hooks run.
"""

from __future__ import annotations

import io
import json
import signal
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, cast

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from loguru import logger
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError

DRAIN_S = 20.0
_CANCELLED = "notifications/cancelled"


def parse_line(line: str) -> tuple[JSONRPCMessage, None] | tuple[None, JSONRPCError]:
    """The message on ``line``, or the JSON-RPC error answering it when it is malformed."""
    try:
        message = jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValidationError as invalid:
        try:
            data = json.loads(line)
        except ValueError:
            return None, _error(None, PARSE_ERROR, "Parse error: the line is not valid JSON")
        request_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(request_id, bool) or not isinstance(request_id, int | str):
            request_id = None
        problem = invalid.errors()[0]
        where = ".".join(str(part) for part in problem["loc"][1:]) or "message"
        problem_text = f"Invalid request: {where}: {problem['msg']}"
        return None, _error(request_id, INVALID_REQUEST, problem_text)
    # An id that is neither a string nor a number would pass as a notification: never answered.
    if isinstance(message, JSONRPCNotification) and "id" in json.loads(line):
        return None, _error(
            None, INVALID_REQUEST, "Invalid request: id must be a string or a number"
        )
    return message, None


def _error(request_id: int | str | None, code: int, message: str) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))


class _InFlight:
    """The ids of the requests read and not yet answered (nor cancelled: MCP sends no answer
    to a cancelled request)."""

    def __init__(self) -> None:
        self.ids: set[RequestId] = set()

    def read(self, message: JSONRPCMessage) -> None:
        if isinstance(message, JSONRPCRequest):
            self.ids.add(message.id)
        elif isinstance(message, JSONRPCNotification) and message.method == _CANCELLED:
            request_id = (message.params or {}).get("requestId")
            if isinstance(request_id, int | str):  # a malformed one is the SDK's to drop
                self.ids.discard(request_id)

    def written(self, message: SessionMessage) -> None:
        if isinstance(message.message, JSONRPCResponse | JSONRPCError):
            self.ids.discard(message.message.id)

    async def drained(self, within: float) -> None:
        with anyio.move_on_after(within):
            while self.ids:
                await anyio.sleep(0.05)
        if self.ids:
            logger.warning(
                "stopping; {} request(s) still unanswered after {:g} s", len(self.ids), within
            )


class _CheckedLines:
    """stdin lines for the SDK's reader; malformed ones are answered here and dropped. At the
    end of stdin, the end is passed on once the requests in flight are answered."""

    def __init__(
        self,
        lines: AsyncIterable[str],
        answers: MemoryObjectSendStream[Any],
        in_flight: _InFlight,
    ) -> None:
        self.lines, self.answers, self.in_flight = lines, answers, in_flight

    async def __aiter__(self) -> AsyncIterator[str]:
        async for line in self.lines:
            if not line.strip():
                continue
            message, error = parse_line(line)
            if error is not None:
                await self.answers.send(SessionMessage(error))
            elif message is not None:
                self.in_flight.read(message)
                yield line
        await self.in_flight.drained(DRAIN_S)


def _read_stdin() -> tuple[MemoryObjectReceiveStream[str], MemoryObjectSendStream[str]]:
    """stdin's lines, read by a daemon thread: a read blocked on a client that sends nothing
    must not keep the process from exiting at SIGTERM (the SDK reads in a worker thread).
    Closing the send end (returned too) ends the lines as if stdin had closed."""
    send, receive = anyio.create_memory_object_stream[str]()
    token = anyio.lowlevel.current_token()

    def read() -> None:
        # A reader of its own: sys.stdin's, locked by the blocked read, would abort the
        # interpreter's shutdown ("could not acquire lock ... possibly due to daemon threads").
        raw = open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115 (the thread's for good)
        stdin = io.TextIOWrapper(raw, encoding="utf-8", errors="replace")
        try:
            for line in stdin:
                anyio.from_thread.run(send.send, line, token=token)
            anyio.from_thread.run(send.aclose, token=token)
        except (RuntimeError, anyio.ClosedResourceError):  # the server has stopped reading
            pass

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return receive, send


async def _stop_reading_at_sigterm(stdin: MemoryObjectSendStream[str]) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM) as signals:
        async for _ in signals:  # kept open: a second SIGTERM must not kill the drain
            logger.info("SIGTERM: answering the calls in flight, then stopping")
            stdin.close()


async def run_stdio(
    server: Server[Any], list_changes: MemoryObjectReceiveStream[str] | None = None
) -> None:
    """Serve ``server`` on stdin/stdout until stdin closes. ``list_changes``: the methods of
    list-changed notifications to send (``notifications/tools/list_changed``), whose
    capabilities are then declared."""
    answers_in, answers_out = anyio.create_memory_object_stream[SessionMessage](16)
    written_in, written_out = anyio.create_memory_object_stream[SessionMessage](16)
    in_flight = _InFlight()
    stdin, stdin_end = _read_stdin()
    lines = cast(Any, _CheckedLines(stdin, answers_in, in_flight))  # the SDK only iterates it
    async with (
        stdio_server(stdin=lines) as (read_stream, write_stream),
        anyio.create_task_group() as group,
    ):
        all_written = anyio.Event()

        async def send_answers() -> None:
            async for answer in answers_out:
                await write_stream.send(answer)

        async def send_written() -> None:  # the server's messages, noting what they answer
            async for message in written_out:
                await write_stream.send(message)
                in_flight.written(message)
            all_written.set()

        async def send_list_changes(changes: MemoryObjectReceiveStream[str]) -> None:
            async for method in changes:
                notification = JSONRPCNotification(jsonrpc="2.0", method=method)
                await write_stream.send(SessionMessage(notification))

        group.start_soon(send_answers)
        group.start_soon(send_written)
        if list_changes is not None:
            group.start_soon(send_list_changes, list_changes)
        changing = NotificationOptions(tools_changed=list_changes is not None)
        options = server.create_initialization_options(changing)
        if threading.current_thread() is threading.main_thread():
            group.start_soon(_stop_reading_at_sigterm, stdin_end)
        async with written_in:
            await server.run(read_stream, written_in, options)
        await all_written.wait()
        group.cancel_scope.cancel()
        await write_stream.aclose()  # ends the SDK's stdout writer, as server.run would have
