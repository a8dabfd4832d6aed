"""Tools against a slow Spotify: concurrency of lookups, request counts of big lists.

The sandbox adds 50 ms to every request. Through a real `spotify-mcp serve` over stdio, with
every built-in plugin enabled (a fresh cache), this prints:

- the time to look up 50 tracks with one `search_get_items` call, against 50 sequential
  requests with a bare spotipy client (target: <= 0.25x);
- the requests sent to add 250 items to a playlist (target: exactly 3);
- the requests sent to read 1,000 saved tracks, 200 a call (target: exactly 20);
- the size of tools/list as sent (compact JSON): bytes per tool (target: below the ~500 of
  gupta-kush/spotify-mcp) and per Web API operation covered, and the part a model's context
  gets (name, description, input schema).

    python benchmarks/tools.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from spotify_mcp.auth import StaticToken
from spotify_mcp.logs import setup_logging
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST
from spotify_mcp.session import build_session

LATENCY_MS = 50


def sequential_lookups(sandbox: Sandbox, track_ids: list[str]) -> float:
    spotify = build_session([], StaticToken(sandbox.token()), sandbox.api_url)
    started = time.perf_counter()
    for track_id in track_ids:
        spotify.track(track_id)
    return time.perf_counter() - started


def requests_to(sandbox: Sandbox, method: str, path_part: str) -> int:
    return sum(1 for r in sandbox.requests() if r["method"] == method and path_part in r["path"])


async def through_the_server(sandbox: Sandbox, track_ids: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "spotify_mcp", "serve"],
            env={
                "SPOTIFY_MCP_HOME": home,
                "SPOTIFY_MCP_LOG_LEVEL": "WARNING",
                "SPOTIFY_API_BASE_URL": sandbox.api_url,
                "SPOTIFY_ACCOUNTS_BASE_URL": sandbox.base_url,
                "SPOTIFY_ACCESS_TOKEN": sandbox.token(PREMIUM_USER, expires_in=3600),
            },
        )
        async with Client(params, read_timeout_seconds=120) as client:

            async def call(name: str, **arguments: Any) -> Any:
                result = await client.call_tool(name, arguments)
                assert not result.is_error, result.content
                return result.structured_content

            await call("server_info")  # warm: the session and pipeline are built on first use
            sandbox.clear_requests()
            started = time.perf_counter()
            found = await call("search_get_items", refs=[f"spotify:track:{i}" for i in track_ids])
            lookup_s = time.perf_counter() - started
            lookup_requests = requests_to(sandbox, "GET", "/v1/tracks/")

            sandbox.clear_requests()
            uris = [f"spotify:track:{i}" for i in track_ids] * 5
            added = await call("playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris)
            add_requests = requests_to(sandbox, "POST", "/items")

            sandbox.clear_requests()
            saved_read = 0
            while saved_read < 1000:  # 200 a call, the most one call returns
                page = await call("library_list_saved", kind="track", limit=200, offset=saved_read)
                saved_read += len(page["items"])
            read_requests = requests_to(sandbox, "GET", "/v1/me/tracks")
    return {
        "lookup_s": lookup_s,
        "lookup_found": len(found["items"]),
        "lookup_requests": lookup_requests,
        "added": added["added"],
        "add_requests": add_requests,
        "saved_read": saved_read,
        "read_requests": read_requests,
    }


def tools_list_size() -> dict[str, int]:
    from mcp_types import ListToolsResult

    from spotify_mcp.app import App
    from spotify_mcp.server import build_server

    with tempfile.TemporaryDirectory() as home:
        os.environ["SPOTIFY_MCP_HOME"] = home
        app = App.create()
        tools = anyio.run(build_server(app).list_tools)
    wire = ListToolsResult(tools=tools).model_dump_json(by_alias=True, exclude_none=True)
    without_output = ListToolsResult(
        tools=[tool.model_copy(update={"output_schema": None}) for tool in tools]
    ).model_dump_json(by_alias=True, exclude_none=True)
    # What an LLM API's tool definition carries (name, description, input schema): titles,
    # annotations and output schemas are for the client, not the model's context.
    for_the_model = sum(
        len(json.dumps([t.name, t.description, t.input_schema], separators=(",", ":")))
        for t in tools
    )
    operations = {operation for spec in app.tools for operation in spec.endpoints}
    return {
        "tools": len(tools),
        "bytes": len(wire),
        "without_output": len(without_output),
        "for_the_model": for_the_model,
        "operations": len(operations),
    }


def main() -> None:
    setup_logging("WARNING")
    with Sandbox(latency_ms=LATENCY_MS) as sandbox:
        track_ids = sorted(sandbox.runtime.catalog.tracks)[:50]
        baseline = statistics.median(sequential_lookups(sandbox, track_ids) for _ in range(3))
        sandbox.reset()
        measured = anyio.run(through_the_server, sandbox, track_ids)
    ratio = measured["lookup_s"] / baseline
    print(f"sandbox latency: {LATENCY_MS} ms per request")
    print(f"50 sequential track requests (bare spotipy, median of 3): {baseline * 1000:.0f} ms")
    print(
        f"search_get_items, 50 tracks: {measured['lookup_s'] * 1000:.0f} ms, "
        f"{measured['lookup_found']} found, {measured['lookup_requests']} requests; "
        f"ratio {ratio:.2f}x (target <= 0.25x)"
    )
    print(
        f"playlists_add_items, {measured['added']} items: "
        f"{measured['add_requests']} requests (target 3)"
    )
    print(
        f"library_list_saved, {measured['saved_read']} tracks in 5 calls: "
        f"{measured['read_requests']} requests (target 20)"
    )
    size = tools_list_size()
    print(
        f"tools/list: {size['bytes']} bytes for {size['tools']} tools covering "
        f"{size['operations']} operations: {size['bytes'] // size['tools']} bytes a tool "
        f"(target < 500), {size['bytes'] // size['operations']} an operation; "
        f"{size['without_output'] // size['tools']} a tool without output schemas; "
        f"{size['for_the_model'] // size['tools']} a tool in the model's context "
        "(name, description, input schema)"
    )


if __name__ == "__main__":
    main()
