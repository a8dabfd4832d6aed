"""Faults through the whole pipeline: real ``spotify-mcp serve`` processes over stdio (and
the entry-point pipeline in-process), against the sandbox's fault injection."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from faultkit import SandboxAdmin, bare, playlist_uris, server_env, track_uris, wait_until
from spotipy import SpotifyException
from stdio_server import StdioServer, structured, text_of

from spotify_mcp.app import App
from spotify_mcp.errors import CircuitOpen
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST, EMPTY_PLAYLIST

pytestmark = pytest.mark.timeout(90)  # nothing may hang


# -- adding playlist items: never duplicated, never silently lost --------------------------


@pytest.mark.parametrize(
    ("fault", "offset"),
    [  # different tracks per case: nothing an earlier case left in the cache can match
        pytest.param({"status": 503, "apply": True}, 0, id="503-after-processing"),
        pytest.param({"drop_connection": True, "apply": True}, 3, id="dropped-after-processing"),
        pytest.param({"drop_connection": True}, 6, id="dropped-before-processing"),
        pytest.param({"status": 429, "retry_after": 0}, 9, id="429"),
    ],
)
def test_add_items_under_faults_ends_with_each_item_once(
    server: StdioServer,
    fresh_sandbox: Sandbox,
    admin: SandboxAdmin,
    fault: dict[str, Any],
    offset: int,
) -> None:
    uris = track_uris(fresh_sandbox, offset)
    admin.fault("/playlists/*/items", method="POST", **fault)
    result = server.call("playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris)
    posts = admin.log(f"/playlists/{EMPTY_PLAYLIST}/items", "POST")
    if fault.get("status") == 429:
        assert not result.is_error, text_of(result)
        assert [e["status"] for e in posts] == [429, 201]  # retried once, added once
    else:
        assert result.is_error
        assert "may or may not have been made" in text_of(result)
        assert len(posts) == 1  # never sent twice
        follow_the_advice(server, uris)
    assert playlist_uris(fresh_sandbox, EMPTY_PLAYLIST) == uris


def follow_the_advice(server: StdioServer, uris: list[str]) -> None:
    """What the error tells the model to do: read the current state, add what is missing."""
    page = server.call_ok("playlists_get_items", playlist=EMPTY_PLAYLIST)
    present = {item["uri"] for item in page["items"]}
    missing = [uri for uri in uris if uri not in present]
    if missing:
        server.call_ok("playlists_add_items", playlist=EMPTY_PLAYLIST, items=missing)


# -- changes sent in chunks: the error says what went through and how to finish ----------------


@pytest.fixture(scope="module")
def impatient_server(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StdioServer]:
    """A server that waits 1 s for an answer and 0.5 s at most for a rate limit."""
    env = {
        **server_env(
            sandbox,
            limiter={"max_wait_s": 0.5},
            retry={"base_delay_s": 0.01, "max_delay_s": 0.05},
        ),
        "SPOTIFY_MCP_REQUEST_TIMEOUT_S": "1",
    }
    with StdioServer(env=env, home=tmp_path_factory.mktemp("impatient")) as running:
        yield running


def on_the_second(admin: SandboxAdmin, path: str, method: str, **fault: Any) -> None:
    """``fault`` for the second request to ``path``: the first matches a harmless rule."""
    admin.fault(path, method=method, latency_ms=1)
    admin.fault(path, method=method, **fault)


def test_a_chunk_refused_for_the_rate_limit_says_which_items_to_send(
    impatient_server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    uris = catalog_tracks(fresh_sandbox, 150)
    on_the_second(admin, "/playlists/*/items", "POST", status=429, retry_after=1)
    error = impatient_server.call_error(
        "playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris, position=0
    )
    assert "Added the first 100 of 150 items; items[100:] did not go through" in error
    assert "To finish, send only items[100:] with position 100" in error
    wait_until(lambda: not impatient_server.call("playlists_get", playlist=EMPTY_PLAYLIST).is_error)
    impatient_server.call_ok(
        "playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris[100:], position=100
    )
    assert playlist_uris(fresh_sandbox, EMPTY_PLAYLIST, limit=50) == uris[:50]
    assert playlist_uris(fresh_sandbox, EMPTY_PLAYLIST, offset=100, limit=50) == uris[100:]
    assert bare(fresh_sandbox).playlist_items(EMPTY_PLAYLIST)["total"] == 150


#: The second of three adds made, then answered 500: what the error says of them, and how to
#: finish.
SECOND_OF_THREE_UNSURE = (
    "the first 100 of 250 items; items[100:200] may or may not have gone through; "
    "not sent: items[200:]. "
)
SEND_WHAT_IS_MISSING = "Then send only what is missing: all 250 again would repeat the first 100."


def test_an_add_that_may_have_gone_through_names_the_unsure_and_unsent_slices(
    impatient_server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """The second of three adds is made, then answered 500 (an add is never repeated)."""
    uris = catalog_tracks(fresh_sandbox, 250)
    on_the_second(admin, "/playlists/*/items", "POST", status=500, apply=True)
    error = impatient_server.call_error("playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris)
    assert f"Added {SECOND_OF_THREE_UNSURE}" in error and error.endswith(SEND_WHAT_IS_MISSING)
    assert bare(fresh_sandbox).playlist_items(EMPTY_PLAYLIST)["total"] == 200


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"status": 500, "apply": True}, id="500-after-processing"),
        pytest.param({"drop_connection": True, "apply": True}, id="dropped-after-processing"),
        pytest.param({"drop_connection": True}, id="dropped-before-processing"),
        pytest.param({"status": 429, "retry_after": 1}, id="429"),
    ],
)
def test_an_add_skipping_present_items_is_finished_by_the_same_call(
    impatient_server: StdioServer,
    fresh_sandbox: Sandbox,
    admin: SandboxAdmin,
    fault: dict[str, Any],
) -> None:
    uris = catalog_tracks(fresh_sandbox, 250)
    on_the_second(admin, "/playlists/*/items", "POST", **fault)
    add = {"playlist": EMPTY_PLAYLIST, "items": uris, "skip_present": True}
    error = impatient_server.call_error("playlists_add_items", add)
    assert error.startswith(
        "Error executing tool playlists_add_items: Added the first 100 of 250 items; the "
    )
    assert SAME_CALL_FINISHES in error
    wait_until(lambda: not impatient_server.call("playlists_add_items", add).is_error)
    assert every_item(fresh_sandbox) == uris


def test_a_create_whose_adds_may_have_gone_through_names_the_playlist_and_the_slices(
    impatient_server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """The second of three adds is made, then answered 500: the playlist is not made twice."""
    uris = catalog_tracks(fresh_sandbox, 250)
    on_the_second(admin, "/playlists/*/items", "POST", status=500, apply=True)
    error = impatient_server.call_error("playlists_create", {"name": "Made once"}, items=uris)
    assert len(admin.log("/me/playlists", "POST")) == 1
    [mine] = impatient_server.call_ok("playlists_list", {"name": "Made once"})["items"]
    made = f"Created {mine['uri']} (finish with playlists_add_items on it, not playlists_create)"
    assert f"{made} and added {SECOND_OF_THREE_UNSURE}" in error
    assert error.endswith(SEND_WHAT_IS_MISSING)
    impatient_server.call_ok(
        "playlists_add_items", playlist=mine["uri"], items=uris, skip_present=True
    )
    assert bare(fresh_sandbox).playlist_items(mine["uri"])["total"] == 250


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"status": 500, "apply": True}, id="500-after-processing"),
        pytest.param({"drop_connection": True, "apply": True}, id="dropped-after-processing"),
        pytest.param({"status": 503}, id="503-before-processing"),
    ],
)
def test_removing_duplicates_under_faults_is_finished_by_the_same_call(
    impatient_server: StdioServer,
    fresh_sandbox: Sandbox,
    admin: SandboxAdmin,
    fault: dict[str, Any],
) -> None:
    """150 repeated items, removed 100 a request; the second request fails. A removal by
    position is never sent twice (a second copy would find other items there)."""
    uris = catalog_tracks(fresh_sandbox, 150)
    impatient_server.call_ok("playlists_add_items", playlist=EMPTY_PLAYLIST, items=uris * 2)
    on_the_second(admin, "/playlists/*/items", "DELETE", **fault)
    error = impatient_server.call_error("playlists_remove_duplicates", playlist=EMPTY_PLAYLIST)
    assert "Removed the repeats of the first 100 of 150 repeated items; the " in error
    assert SAME_CALL_FINISHES in error
    assert len(admin.log(f"/playlists/{EMPTY_PLAYLIST}/items", "DELETE")) == 2
    again = impatient_server.call_ok("playlists_remove_duplicates", playlist=EMPTY_PLAYLIST)
    assert again["removed"] == (0 if fault.get("apply") else 50)
    assert every_item(fresh_sandbox) == uris


SAME_CALL_FINISHES = (
    "Sending the same call again is safe: it finishes the change, whatever went in."
)


def every_item(sb: Sandbox) -> list[str]:
    """The URIs of EMPTY_PLAYLIST's items, in order."""
    total = bare(sb).playlist_items(EMPTY_PLAYLIST)["total"]
    return [uri for at in range(0, total, 50) for uri in playlist_uris(sb, EMPTY_PLAYLIST, at)]


def test_a_chunk_that_failed_after_taking_effect_is_not_called_undone(
    server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """Saved 40 a request; the second request is processed, then answered 503 every time."""
    uris = catalog_tracks(fresh_sandbox, 100)
    on_the_second(admin, "/me/library", "PUT", status=503, apply=True, times=4)
    error = server.call_error("library_save", refs=uris)
    assert "The first 40 of 100 items were saved; the next 40 items may or may not" in error
    assert "; not sent: the last 20 items. " in error
    assert "Sending the same call again is safe: it finishes the change, whatever went in." in error
    server.call_ok("library_save", refs=uris)
    assert all(server.call_ok("library_contains", refs=uris)["saved"].values())


def test_a_replace_with_adds_to_follow_does_not_repeat_its_first_request(
    impatient_server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """A PUT that timed out may still arrive, after a retry and the adds it is followed by,
    and drop them: it is not sent again, and the error says so."""
    uris = catalog_tracks(fresh_sandbox, 150)
    admin.fault(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", method="PUT", latency_ms=2000)
    error = impatient_server.call_error(
        "playlists_replace_items", playlist=DEEP_FOCUS_PLAYLIST, items=uris
    )
    assert "may or may not have been made" in error
    assert len(admin.log(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", "PUT")) == 1
    assert not admin.log(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", "POST")


def catalog_tracks(sb: Sandbox, count: int) -> list[str]:
    return [f"spotify:track:{ident}" for ident in sorted(sb.runtime.catalog.tracks)[:count]]


# -- concurrency -------------------------------------------------------------------------


def test_16_concurrent_tool_calls_under_faults_are_correct(
    server: StdioServer, sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    queries = [f"concurrent {word}" for word in ("a", "e", "i", "o", "u", "y", "an", "in")]
    spotify = bare(sandbox)
    searches = {q: spotify.search(q, type="track", limit=3)["tracks"]["items"] for q in queries}
    pages = {n: playlist_uris(sandbox, DEEP_FOCUS_PLAYLIST, 10 * n, 10) for n in range(4)}
    admin.fault("/search", status=503, times=3)
    admin.fault(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", drop_connection=True, times=2)
    reads = [{"playlist": DEEP_FOCUS_PLAYLIST, "offset": n * 10, "limit": 10} for n in pages]
    calls = [
        *(("search", {"query": q, "limit": 3}) for q in queries),
        *(("playlists_get_items", read) for read in reads),
        *(("library_get_profile", {}) for _ in range(4)),
    ]
    answers = server.gather(calls)
    assert [text_of(answer) for answer in answers if answer.is_error] == []
    results = [structured(answer) for answer in answers]
    for query, result in zip(queries, results[:8], strict=True):
        found = [item["uri"] for item in result["pages"]["track"]["items"]]
        assert found == [track["uri"] for track in searches[query]]
    for n, result in zip(pages, results[8:12], strict=True):
        assert [item["uri"] for item in result["items"]] == pages[n]
    assert all(result["uri"] == f"spotify:user:{PREMIUM_USER}" for result in results[12:])
    # The faults did happen, and were retried.
    assert [e["status"] for e in admin.log("/search")].count(503) == 3
    dropped = admin.log(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items")
    assert [e["status"] for e in dropped].count(None) == 2


# -- the breaker, configured through the environment -----------------------------------


@pytest.fixture(scope="module")
def touchy_server(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StdioServer]:
    """A server whose breaker opens after 3 failures and tries again after 1 s."""
    env = server_env(
        sandbox,
        breaker={"failure_threshold": 3, "cooldown_s": 1.0},
        retry={"base_delay_s": 0.01, "max_delay_s": 0.05},
    )
    with StdioServer(env=env, home=tmp_path_factory.mktemp("touchy")) as running:
        yield running


def test_a_burst_of_503s_opens_the_breaker_until_the_cool_down(
    touchy_server: StdioServer, admin: SandboxAdmin
) -> None:
    admin.fault("/me", status=503, times=3)
    first = touchy_server.call_error("library_get_profile")
    assert "profile endpoints failed repeatedly" in first  # the 4th attempt is refused
    sent = len(admin.log())
    later = touchy_server.call_error("library_get_profile")
    assert "paused. Try again in 1 s" in later
    assert len(admin.log()) == sent  # while open, nothing reaches Spotify
    checks = touchy_server.call_ok("health")["checks"]
    readiness = next(check for check in checks if check["name"] == "breaker")
    assert not readiness["ok"] and "profile" in readiness["detail"]
    wait_until(lambda: not touchy_server.call("library_get_profile").is_error)
    assert admin.log("/me")[-1]["status"] == 200


def test_a_breaker_opening_after_a_chunk_took_effect_does_not_call_it_undone(
    touchy_server: StdioServer, fresh_sandbox: Sandbox, admin: SandboxAdmin
) -> None:
    """The second request is saved, then answered 503 until the breaker refuses the 4th
    attempt: the refusal alone would say nothing was sent."""
    uris = catalog_tracks(fresh_sandbox, 80)
    on_the_second(admin, "/me/library", "PUT", status=503, apply=True, times=10)
    error = touchy_server.call_error("library_save", refs=uris)
    assert "The first 40 of 80 items were saved; the last 40 items may or may not" in error
    assert "paused" in error and "Sending the same call again is safe" in error
    assert len(admin.log("/me/library", "PUT")) == 4
    assert all(bare(fresh_sandbox)._get("me/library/contains", uris=",".join(uris[40:])))


# -- every guard works with any other disabled -------------------------------------------


@pytest.mark.parametrize("disabled", ["retry", "breaker", "limiter"])
def test_each_guard_works_with_another_disabled(
    sandbox: Sandbox, admin: SandboxAdmin, disabled: str
) -> None:
    app = App.create(
        {
            "api_base_url": sandbox.api_url,
            "access_token": sandbox.token(PREMIUM_USER, expires_in=10**7),
            "retry": {"base_delay_s": 0.01, "max_delay_s": 0.05},
            "breaker": {"failure_threshold": 3},
            "plugins": {"disabled": [disabled]},
        }
    )
    guards = [mw.name for mw in app.middleware if mw.name in ("retry", "breaker", "limiter")]
    assert guards == [g for g in ("retry", "breaker", "limiter") if g != disabled]
    offsets = itertools.count()

    def read() -> Any:  # a new offset each time: the cache never answers
        return app.spotify().current_user_playlists(limit=1, offset=next(offsets))

    # A 429: nothing is sent before Retry-After has passed (the limiter's gate, or retry's wait).
    admin.fault("/me/playlists", status=429, retry_after=1)
    if disabled == "retry":
        with pytest.raises(SpotifyException, match="429"):
            read()
    read()
    first, second = admin.log("/me/playlists")
    assert second["time"] >= first["time"] + 1

    # Two 503s: retry sends the request again; without it the caller gets the 503.
    admin.fault("/me/playlists", status=503, times=2)
    if disabled == "retry":
        with pytest.raises(SpotifyException, match="503"):
            read()
    else:
        read()
    admin.clear()

    # 503s without end: the breaker opens and calls fail fast, unless it is disabled.
    admin.fault("/me/playlists", status=503, times=None)
    outcomes = [outcome(read) for _ in range(4)]
    sent = len(admin.log())
    assert (outcome(read) == "circuit open") is (disabled != "breaker")
    assert (len(admin.log()) == sent) is (disabled != "breaker")
    assert outcomes[-1] == (503 if disabled == "breaker" else "circuit open")


def outcome(call: Any) -> str | int:
    try:
        call()
    except CircuitOpen:
        return "circuit open"
    except SpotifyException as error:
        return error.http_status
    return "ok"
