"""stdio for the MCP server, where a malformed line gets an answer.

The SDK's stdio transport ignores a line it cannot parse, which leaves a client waiting
forever. JSON-RPC says to answer it: a parse error (-32700) for a line that is not JSON, an
invalid-request error (-32600, with the request's id when it has one) for JSON that is not
a message. The server keeps serving either way.

When stdin closes, or at SIGTERM or SIGINT, the requests already read are still answered
(for up to :data:`DRAIN_S`) before the server stops: a client that sends its last request
and closes its end (``printf ... | spotify-mcp serve``) gets its answer, and a playlist
change in flight is not cut off between two of its chunks. Then the shutdown hooks run. A
second SIGINT (Ctrl-C again) stops at once.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, cast

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from loguru import logger
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.stdio import stdio_server
from mcp.shared.dispatcher import as_request_id, coerce_request_id
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
        problems = invalid.errors()
        if problems[0]["type"] == "json_invalid":  # not JSON, or nested past pydantic's limit
            return None, _error(None, PARSE_ERROR, f"Parse error: {problems[0]['msg']}")
        data = json.loads(line)  # JSON pydantic could parse: no deeper than its limit
        request_id = as_request_id(data.get("id")) if isinstance(data, dict) else None
        meant = _kind_meant(data)
        problem = next((p for p in problems if p["loc"][0] == meant), problems[0])
        where = ".".join(str(part) for part in problem["loc"][1:]) or "message"
        problem_text = f"Invalid request: {where}: {problem['msg']}"
        return None, _error(request_id, INVALID_REQUEST, problem_text)
    # An id that is neither a string nor a number would pass as a notification: never answered.
    if isinstance(message, JSONRPCNotification) and "id" in json.loads(line):
        return None, _error(
            None, INVALID_REQUEST, "Invalid request: id must be a string or a number"
        )
    return message, None


def _kind_meant(data: object) -> str | None:
    """Which kind of JSON-RPC message ``data`` looks like it means to be, so a problem is
    named against that kind (a notification's params, not a request's missing id)."""
    if not isinstance(data, dict):
        return None
    if "result" in data:
        return "JSONRPCResponse"
    if "error" in data:
        return "JSONRPCError"
    return "JSONRPCNotification" if "method" in data and "id" not in data else "JSONRPCRequest"


def _error(request_id: int | str | None, code: int, message: str) -> JSONRPCError:
    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(code=code, message=message))


class _InFlight:
    """How many requests of each id were read and not yet answered (nor cancelled: MCP sends
    no answer to a cancelled request). Ids are matched as the SDK matches them: ``"7"`` is
    ``7``, and a client may reuse an id while a request of that id is running."""

    def __init__(self) -> None:
        self.counts: Counter[RequestId] = Counter()

    def read(self, message: JSONRPCMessage) -> None:
        if isinstance(message, JSONRPCRequest):
            self.counts[coerce_request_id(message.id)] += 1
        elif isinstance(message, JSONRPCNotification) and message.method == _CANCELLED:
            # The SDK cancels the latest request of the id; a malformed id it drops.
            self._done(as_request_id((message.params or {}).get("requestId")))

    def written(self, message: SessionMessage) -> None:
        if isinstance(message.message, JSONRPCResponse | JSONRPCError):
            self._done(message.message.id)

    def _done(self, request_id: RequestId | None) -> None:
        if request_id is not None:
            self.counts -= Counter({coerce_request_id(request_id): 1})  # drops zero counts

    async def drained(self, within: float) -> None:
        with anyio.move_on_after(within):
            while self.counts:
                await anyio.sleep(0.05)
        if unanswered := self.counts.total():
            logger.warning(
                "stopping; {} request(s) still unanswered after {:g} s", unanswered, within
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


async def _stop_reading_at_signals(stdin: MemoryObjectSendStream[str]) -> None:
    """SIGTERM or SIGINT: stop reading and answer the calls in flight. A second SIGTERM
    changes nothing (a supervisor repeating itself must not cut the drain); a second SIGINT
    is someone at a terminal pressing Ctrl-C again: exit at once, as SIGKILL would (not
    waiting for a worker thread blocked on Spotify, nor running the shutdown hooks)."""
    handled = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # nohup, a background job
        handled.append(signal.SIGINT)
    with anyio.open_signal_receiver(*handled) as signals:
        stopping = False
        async for received in signals:
            if stopping and received == signal.SIGINT:
                logger.warning("SIGINT again: exiting now, calls in flight are cut off")
                sys.stderr.flush()
                os._exit(130)
            logger.info("{}: answering the calls in flight, then stopping", received.name)
            stopping = True
            stdin.close()


async def run_stdio(
    server: Server[Any], list_changes: MemoryObjectReceiveStream[str] | None = None
) -> None:
    """Serve ``server`` on stdin/stdout until stdin closes. ``list_changes``: the methods of
    list-changed notifications to send (``notifications/tools/list_changed``), whose
    capabilities (tools, resources, prompts) are then declared."""
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
        announced = list_changes is not None
        changing = NotificationOptions(
            tools_changed=announced, resources_changed=announced, prompts_changed=announced
        )
        options = server.create_initialization_options(changing)
        if threading.current_thread() is threading.main_thread():
            group.start_soon(_stop_reading_at_signals, stdin_end)
        async with written_in:
            await server.run(read_stream, written_in, options)
        await all_written.wait()
        group.cancel_scope.cancel()
        await write_stream.aclose()  # ends the SDK's stdout writer, as server.run would have
