"""Progress notifications of long tool calls, for a client that passes a progressToken."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from stdio_server import RawStdio, StdioServer, free_port, sandbox_env, wait_for_request

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST, EMPTY_PLAYLIST


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


def test_a_cancelled_change_stops_after_the_request_in_flight(
    sandbox: Sandbox, tracks: list[str], tmp_path: Path
) -> None:
    """What was sent stays added, nothing more is sent, and the server keeps serving."""
    items = (tracks * 4)[:1000]  # 10 requests of 100
    metrics_port = free_port()
    with RawStdio(
        "--metrics-port", str(metrics_port), env=sandbox_env(sandbox), home=tmp_path
    ) as raw:
        playlist, path = new_playlist(raw)
        sandbox.add_fault(method="POST", path=path, latency_ms=250, times=10)
        add_with_progress(raw, playlist, items)
        assert raw.receive()["method"] == "notifications/progress"
        raw.send(cancel(3))
        sent = settled(lambda: sum(r["path"] == path for r in sandbox.requests()))
        raw.send(call(4, "playlists_get", {"playlist": playlist}))
        messages = [raw.receive()]
        while messages[-1].get("id") != 4:
            messages.append(raw.receive())
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    cancelled = {"tool": "playlists_add_items", "outcome": "cancelled"}
    assert [
        sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "spotify_mcp_tool_calls_total" and sample.labels == cancelled
    ] == [1.0]
    assert 1 <= sent < 10
    assert messages[-1]["result"]["structuredContent"]["total"] == 100 * sent
    assert all(m.get("method") == "notifications/progress" for m in messages[:-1])  # no answer


def test_a_cancelled_change_waiting_out_a_rate_limit_sends_nothing_more(
    sandbox: Sandbox, tracks: list[str], tmp_path: Path
) -> None:
    """The second request got a 429; cancelled while it waits at the rate limiter's gate,
    it is not sent when the gate opens, and is counted as cancelled, not as an error."""
    metrics_port = free_port()
    with RawStdio(
        "--metrics-port", str(metrics_port), env=sandbox_env(sandbox), home=tmp_path
    ) as raw:
        playlist, path = new_playlist(raw)
        sandbox.add_fault(method="POST", path=path, latency_ms=1)  # the first passes
        sandbox.add_fault(method="POST", path=path, status=429, retry_after=2)
        add_with_progress(raw, playlist, tracks)
        assert raw.receive()["method"] == "notifications/progress"  # the first 100 added
        wait_for_request(sandbox, path, count=2)  # the 429
        raw.send(cancel(3))
        raw.send(call(4, "playlists_get", {"playlist": playlist}))  # waits at the gate too
        messages = [raw.receive()]
        while messages[-1].get("id") != 4:
            messages.append(raw.receive())
        posts = settled(lambda: sum(r["path"] == path for r in sandbox.requests()))
        scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    assert posts == 2
    assert messages[-1]["result"]["structuredContent"]["total"] == 100
    statuses = [
        sample.labels["status"]
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
        if sample.name == "spotify_mcp_spotify_requests_total"
        and sample.labels["endpoint"] == "/playlists/{id}/items"
    ]
    assert sorted(statuses) == ["201", "cancelled"]  # the 429 was retried: one request
    assert [m.get("method") for m in messages[:-1]] == []  # no progress, no answer to 3


def test_a_cancelled_call_that_was_fetching_a_read_for_another_does_not_fail_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Call 4 waits for call 3's fetch of the same read; call 3 is cancelled while it waits
    out a rate limit: call 4 fetches for itself (once, this killed the server)."""
    track = next(iter(sandbox.runtime.catalog.tracks))
    path = f"/v1/tracks/{track}"  # one read
    sandbox.add_fault(method="GET", path=path, status=429, retry_after=3)
    sandbox.clear_requests()  # earlier tests read the track: wait for call 3's request
    lookup = {"refs": [f"spotify:track:{track}"]}
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        raw.initialize()
        raw.send(call(3, "search_get_items", lookup))
        wait_for_request(sandbox, path)  # the 429: call 3 waits at the limiter's gate
        raw.send(call(4, "search_get_items", lookup))

        def coalesced() -> int:
            raw.send(call(5, "cache_stats", {}))
            return raw.receive()["result"]["structuredContent"]["process"]["coalesced"]

        while coalesced() < 1:  # until call 4 waits for call 3's fetch
            time.sleep(0.05)
        raw.send(cancel(3))
        answer = raw.receive()
        raw.send(call(6, "server_info", {}))
        alive = raw.receive()
        raw.send(call(7, "cache_stats", {}))
        counts = raw.receive()["result"]["structuredContent"]["process"]
    assert answer["id"] == 4
    assert answer["result"]["structuredContent"]["items"][0]["uri"] == lookup["refs"][0]
    assert alive["id"] == 6 and alive["result"]["structuredContent"]["version"]
    # Call 4 joined a fetch, then fetched itself: a miss, not also a hit.
    assert (counts["hits"], counts["misses"], counts["coalesced"]) == (0, 2, 1)
    assert raw.process.returncode == 0


@pytest.mark.parametrize("ending", ["stdin closed", "SIGTERM", "SIGINT"])
def test_a_change_in_flight_when_the_client_ends_the_server_is_finished_and_answered(
    sandbox: Sandbox, tracks: list[str], tmp_path: Path, ending: str
) -> None:
    """A client that closes its end right after a request (a pipe, a script), or stops the
    server, still gets the answer, and a chunked change is not cut between two requests."""
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        path = start_adding(raw, sandbox, tracks, latency_ms=250)
        if ending != "stdin closed":
            wait_for_request(sandbox, path)
            raw.process.send_signal(getattr(signal, ending))
        answers = raw.close_and_read()
    assert [answer["id"] for answer in answers] == [3]
    assert answers[0]["result"]["structuredContent"]["added"] == 250
    assert sum(r["path"] == path for r in sandbox.requests()) == 3
    assert raw.process.returncode == 0  # after the shutdown hooks, not killed by the signal


def test_at_the_end_of_stdin_each_request_of_a_reused_id_is_answered(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """A client may reuse an id while a request of that id runs; both are answered."""
    slow, fast = DEEP_FOCUS_PLAYLIST, EMPTY_PLAYLIST
    sandbox.add_fault(method="GET", path=f"/v1/playlists/{slow}", latency_ms=1000, times=1)
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        raw.initialize()
        raw.send(call(5, "playlists_get", {"playlist": slow}))
        wait_for_request(sandbox, f"/v1/playlists/{slow}")
        raw.send(call(5, "playlists_get", {"playlist": fast}))
        answers = raw.close_and_read()
    names = [answer["result"]["structuredContent"]["uri"] for answer in answers]
    assert names == [f"spotify:playlist:{fast}", f"spotify:playlist:{slow}"]


def test_a_request_cancelled_by_its_id_as_a_string_is_not_waited_for(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """``"7"`` cancels request 7 (the SDK matches them), so the end of stdin does not wait
    for an answer that will never come."""
    playlist = DEEP_FOCUS_PLAYLIST
    sandbox.add_fault(method="GET", path=f"/v1/playlists/{playlist}", latency_ms=1000, times=1)
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        raw.initialize()
        raw.send(call(7, "playlists_get", {"playlist": playlist}))
        wait_for_request(sandbox, f"/v1/playlists/{playlist}")
        raw.send(cancel("7"))
        answers = raw.close_and_read()
    assert answers == []
    assert "unanswered" not in raw.log_text()


def test_ctrl_c_twice_stops_at_once(sandbox: Sandbox, tracks: list[str], tmp_path: Path) -> None:
    """Someone at a terminal pressing Ctrl-C again does not wait for the calls in flight."""
    with RawStdio(env=sandbox_env(sandbox), home=tmp_path) as raw:
        path = start_adding(raw, sandbox, tracks, latency_ms=3000)
        wait_for_request(sandbox, path)
        raw.process.send_signal(signal.SIGINT)
        while "SIGINT: answering" not in raw.log_text():  # two at once could merge into one
            time.sleep(0.05)
        raw.process.send_signal(signal.SIGINT)
        answers = raw.close_and_read()
    assert answers == []
    assert sum(r["path"] == path for r in sandbox.requests()) == 1
    assert raw.process.returncode == 130


def start_adding(raw: RawStdio, sandbox: Sandbox, tracks: list[str], latency_ms: int) -> str:
    """Initialize, create a playlist and send (as request 3) the adding of ``tracks``, three
    requests of ``latency_ms`` each; the path they are sent to."""
    playlist, path = new_playlist(raw)
    sandbox.add_fault(method="POST", path=path, latency_ms=latency_ms, times=3)
    raw.send(call(3, "playlists_add_items", {"playlist": playlist, "items": tracks}))
    return path


def new_playlist(raw: RawStdio) -> tuple[str, str]:
    """Initialize, then create a playlist (request 2): its URI, and the path of its items."""
    raw.initialize()
    raw.send(call(2, "playlists_create", {"name": "Adding"}))
    playlist = raw.receive()["result"]["structuredContent"]["playlist"]
    return playlist, f"/v1/playlists/{playlist.rsplit(':', 1)[-1]}/items"


def add_with_progress(raw: RawStdio, playlist: str, items: list[str]) -> None:
    """Request 3: adding ``items``, asking for progress."""
    adding = call(3, "playlists_add_items", {"playlist": playlist, "items": items})
    raw.send({**adding, "params": {**adding["params"], "_meta": {"progressToken": "add"}}})


def cancel(request_id: int | str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": request_id},
    }


def call(request_id: int, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    params = {"name": tool, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def settled(count: Callable[[], int], quiet_s: float = 1.0, timeout_s: float = 30) -> int:
    """``count()`` once it has not changed for ``quiet_s`` (4 requests' worth of latency)."""
    last, changed = count(), time.monotonic()
    while time.monotonic() - changed < quiet_s:
        assert time.monotonic() - changed < timeout_s
        time.sleep(0.05)
        if (now := count()) != last:
            last, changed = now, time.monotonic()
    return last
