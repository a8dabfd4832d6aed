"""Progress notifications of long tool calls, for a client that passes a progressToken."""

from __future__ import annotations

from pathlib import Path

import pytest
from stdio_server import RawStdio, StdioServer, sandbox_env

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST


@pytest.fixture(scope="module")
def tracks(sandbox: Sandbox) -> list[str]:
    return [f"spotify:track:{ident}" for ident in list(sandbox.runtime.catalog.tracks)[:250]]


def test_adding_items_reports_each_request(server: StdioServer, tracks: list[str]) -> None:
    playlist = server.call_ok("playlists_create", {"name": "Progress"})["playlist"]
    result, progress = server.call_with_progress(
        "playlists_add_items", {"playlist": playlist, "items": tracks}
    )
    assert not result.is_error and result.structured_content["added"] == 250
    assert progress == [
        (100, 250, "100 of 250 items"),
        (200, 250, "200 of 250 items"),
        (250, 250, "250 of 250 items"),
    ]


def test_reading_pages_reports_each_page(uncached: StdioServer) -> None:
    result, progress = uncached.call_with_progress(
        "playlists_get_items", {"playlist": DEEP_FOCUS_PLAYLIST, "all": True}
    )
    assert len(result.structured_content["items"]) == 150
    assert progress == [(1, 3, "1 of 3 pages"), (2, 3, "2 of 3 pages"), (3, 3, "3 of 3 pages")]


def test_concurrent_lookups_report_a_rising_count(uncached: StdioServer, tracks: list[str]) -> None:
    result, progress = uncached.call_with_progress("search_get_items", {"refs": tracks[:20]})
    assert len(result.structured_content["items"]) == 20
    assert [done for done, _, _ in progress] == list(range(1, 21))
    assert {total for _, total, _ in progress} == {20}


def test_progress_is_sent_only_to_a_call_that_asked(
    sandbox: Sandbox, tracks: list[str], tmp_path: Path
) -> None:
    """On the wire: a call without a progressToken gets its result and nothing else."""
    lookup = {"name": "search_get_items", "arguments": {"refs": tracks[:5]}}
    asked = {**lookup, "_meta": {"progressToken": "lookup"}}
    messages = []
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        raw.initialize()
        for request in (
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": lookup},
            {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": asked},
        ):
            raw.send(request)
            while not messages or messages[-1].get("id") != request["id"]:
                messages.append(raw.receive())
    kinds = [m.get("id", m.get("method")) for m in messages]
    assert kinds == [2, *["notifications/progress"] * 5, 3]
    assert {m["params"]["progressToken"] for m in messages[1:-1]} == {"lookup"}
