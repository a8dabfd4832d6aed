"""The playback tools end to end: a real server over stdio against the sandbox's player.

The premium user starts with no active device; ``active`` transfers playback to the laptop
and plays three tracks, so each test starts from a known player state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from stdio_server import StdioServer, sandbox_env
from toolkit import operations_hit

from spotify_mcp.app import App
from spotify_mcp.sandbox import FREE_USER, Sandbox
from spotify_mcp.sandbox.catalog import Catalog, build_catalog
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST, DJ_USER, PREMIUM_USER, device_id

LAPTOP = device_id(PREMIUM_USER, "Sandbox Laptop")
PHONE = device_id(PREMIUM_USER, "Sandbox Phone")  # its volume cannot be set
#: Player commands and their arguments, given some catalogue tracks.
COMMANDS: dict[str, Callable[[list[str]], dict[str, Any]]] = {
    "playback_start": lambda tracks: {},
    "playback_skip": lambda tracks: {"to": "previous"},
    "playback_set": lambda tracks: {"volume": 10},
    "playback_queue_add": lambda tracks: {"items": tracks[:1]},
}


@pytest.fixture(scope="module")
def tracks(sandbox: Sandbox) -> list[str]:
    return [f"spotify:track:{ident}" for ident in list(sandbox.runtime.catalog.tracks)[:10]]


@pytest.fixture
def active(server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str]) -> StdioServer:
    """Seeded state, then the laptop playing tracks[0:3] from the start."""
    server.call_ok("playback_transfer", device_id=LAPTOP)
    server.call_ok("playback_start", items=tracks[:3])
    return server


@pytest.fixture(scope="module")
def free(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StdioServer]:
    with StdioServer(
        env=sandbox_env(sandbox, FREE_USER), home=tmp_path_factory.mktemp("free")
    ) as s:
        yield s


def state(server: StdioServer, **args: Any) -> dict[str, Any]:
    return dict(server.call_ok("playback_state", args))


# -- no active device, no Premium -------------------------------------------------------------


@pytest.mark.parametrize("tool", COMMANDS)
def test_no_active_device_lists_the_devices_to_choose_from(
    server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str], tool: str
) -> None:
    error = server.call_error(tool, COMMANDS[tool](tracks))
    assert "No active Spotify device. The user's devices: " in error
    assert f"Sandbox Laptop (device_id {LAPTOP})" in error
    assert f"Sandbox Phone (device_id {PHONE})" in error
    assert "playback_transfer makes one active (or pass device_id to this command)" in error


@pytest.mark.parametrize("tool", [*COMMANDS, "playback_pause"])
def test_each_command_runs_on_a_device_given_by_id(
    active: StdioServer, tracks: list[str], tool: str
) -> None:
    """What the no-active-device error offers: the same command with device_id."""
    active.call_ok("playback_transfer", device_id=PHONE)
    args = COMMANDS[tool](tracks) if tool in COMMANDS else {}
    active.call_ok(tool, {**args, "device_id": LAPTOP})
    assert state(active)["device_id"] == LAPTOP  # the command ran there


def test_no_active_device_with_the_devices_unreadable_names_the_tools(
    server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str]
) -> None:
    fresh_sandbox.add_fault(method="GET", path="/v1/me/player/devices", status=403)
    error = server.call_error("playback_start", {"items": tracks[:1]})
    assert error.endswith(
        "No active Spotify device. Call playback_devices to list the user's devices, then "
        "playback_transfer to make one active (or pass device_id to the command). The "
        "Spotify app must be open on that device."
    )


def test_one_call_recovers_from_no_active_device(
    server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str]
) -> None:
    error = server.call_error("playback_start", {"items": tracks[:2]})
    laptop = re.search(r"Sandbox Laptop \(device_id (\w+)\)", error)
    assert laptop
    server.call_ok("playback_start", items=tracks[:2], device_id=laptop[1])
    assert state(server)["device"] == "Sandbox Laptop"


def test_no_device_open_at_all_says_to_open_spotify(
    sandbox: Sandbox, tmp_path: Path, tracks: list[str]
) -> None:
    with StdioServer(env=sandbox_env(sandbox, DJ_USER), home=tmp_path) as dj:
        error = dj.call_error("playback_start", {"items": tracks[:1]})
    assert error.endswith(
        ": No active Spotify device, and no device has the Spotify app open: ask the user to "
        "open Spotify on one, then call playback_devices."
    )


def test_idle_state_has_no_device_and_lists_those_to_play_on(
    server: StdioServer, fresh_sandbox: Sandbox
) -> None:
    devices = server.call_ok("playback_devices")
    # The model's next step is to pick a device: no failed playback_start to learn them.
    assert state(server) == {"playing": False, **devices}
    assert state(server, item_only=True) == {"playing": False, **devices}


@pytest.mark.parametrize("tool", [*COMMANDS, "playback_transfer"])
def test_free_users_need_premium(free: StdioServer, tracks: list[str], tool: str) -> None:
    args = COMMANDS[tool](tracks) if tool in COMMANDS else {"device_id": LAPTOP}
    assert "needs Spotify Premium" in free.call_error(tool, args)


def test_free_users_can_read(free: StdioServer) -> None:
    assert [d["name"] for d in free.call_ok("playback_devices")["devices"]] == ["Jordan's Phone"]
    assert free.call_ok("playback_recently_played", limit=50)["items"]


# -- devices and transfer ---------------------------------------------------------------------


def test_devices(server: StdioServer, fresh_sandbox: Sandbox) -> None:
    devices = server.call_ok("playback_devices")["devices"]
    assert [(d["name"], d["active"], d.get("volume")) for d in devices] == [
        ("Sandbox Laptop", False, 60),
        ("Sandbox Phone", False, None),
        ("Living Room Speaker", False, 35),
    ]


def test_transfer_then_state_shows_the_device(active: StdioServer) -> None:
    speaker = device_id(PREMIUM_USER, "Living Room Speaker")
    active.call_ok("playback_pause")
    done = active.call_ok("playback_transfer", device_id=speaker, play=True)
    assert done == {"done": "transferred to Living Room Speaker"}  # not its ID
    now = state(active)
    assert now["device"] == "Living Room Speaker" and now["device_id"] == speaker
    assert now["playing"] is True
    devices = active.call_ok("playback_devices")["devices"]
    assert [d["name"] for d in devices if d["active"]] == ["Living Room Speaker"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, "device_id"),
        ({"device_id": ""}, "at least 1 character"),
        ({"device_id": "   "}, "at least 1 character"),
        ({"device_id": "f00"}, "Not found"),
    ],
)
def test_transfer_bad_input(server: StdioServer, args: dict[str, Any], expected: str) -> None:
    assert expected in server.call_error("playback_transfer", args)


# -- start, pause, skip -----------------------------------------------------------------------


def test_start_items_at_an_item(active: StdioServer, tracks: list[str]) -> None:
    done = active.call_ok("playback_start", items=tracks[3:6], offset_item=tracks[4])
    (fifth,) = active.call_ok("search_get_items", refs=[tracks[4]])["items"]
    assert done == {"done": f"playing {fifth['name']}, item 2 of 3"}  # what to tell the user
    now = state(active)
    assert now["playing"] is True and now["item"]["uri"] == tracks[4]
    assert now["item"]["artists"] and "context" not in now


@pytest.mark.parametrize(
    ("tool", "param", "kind", "hint"),
    [
        ("playback_start", "items", "album", "; to play it, pass it as context."),
        ("playback_start", "items", "chapter", "."),  # no context plays a chapter
        ("playback_start", "context", "track", "; to play it, pass it in items."),
        ("playback_start", "context", "user", "."),
        ("playback_start", "items", "audiobook", "; to play it, pass it as context."),
        (
            "search_get_items",
            "refs",
            "playlist",
            "; playlists_get (with a user's login) gives its details.",
        ),
        ("playback_queue_add", "items", "album", "; search_list_contents lists its tracks."),
        ("playback_queue_add", "items", "playlist", "; playlists_get_items lists its items."),
        (
            "playback_queue_add",
            "items",
            "audiobook",
            "; playback_start plays it on from where the user left off.",
        ),
    ],
)
def test_a_reference_of_another_kind_is_told_where_it_goes(
    server: StdioServer, tool: str, param: str, kind: str, hint: str
) -> None:
    ref = f"spotify:{kind}:4uLU6hMCjMI75M1A2tKUQC" if kind != "user" else "spotify:user:dj"
    error = server.call_error(tool, {param: [ref] if param in ("items", "refs") else ref})
    assert f" {kind}, but a" in error
    assert error.endswith(f" is expected here{hint}")


def test_start_a_playlist_at_an_offset_and_position(active: StdioServer) -> None:
    playlist = f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}"
    fourth = active.call_ok("playlists_get_items", playlist=playlist, offset=3, limit=1)
    done = active.call_ok("playback_start", context=playlist, offset=3, position_ms=5000)
    # offsets count from 0: the result says which item that is
    assert done == {
        "done": f"playing Deep Focus (playlist), from {fourth['items'][0]['name']} (item 4)"
    }
    now = state(active)
    assert now["context"] == playlist and now["item"]["uri"] == fourth["items"][0]["uri"]
    assert now["progress_ms"] >= 5000
    done = active.call_ok("playback_start", context=playlist, offset_item=fourth["items"][0]["uri"])
    assert done == {"done": f"playing Deep Focus (playlist), from {fourth['items'][0]['name']}"}


def test_state_shows_episodes_and_audiobook_chapters(active: StdioServer, sandbox: Sandbox) -> None:
    catalog = sandbox.runtime.catalog
    episode = f"spotify:episode:{next(iter(catalog.episodes))}"
    chapter = f"spotify:episode:{next(iter(catalog.chapters))}"  # chapters have episode URIs
    active.call_ok("playback_start", items=[episode, chapter])
    assert state(active)["item"]["show"]["uri"].startswith("spotify:show:")
    active.call_ok("playback_skip")
    item = state(active, item_only=True)["item"]
    assert item["uri"] == chapter and item["chapter_number"] == 1


def test_start_on_a_device(server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str]) -> None:
    server.call_ok("playback_start", items=tracks[:1], device_id=LAPTOP)
    assert state(server)["device_id"] == LAPTOP


def test_an_unknown_context_on_a_known_device_is_not_called_an_unknown_device(
    server: StdioServer, fresh_sandbox: Sandbox
) -> None:
    unknown = "spotify:album:0000000000000000000000"
    error = server.call_error("playback_start", context=unknown, device_id=LAPTOP)
    assert "Not found (Context not found)" in error and "none of the user's devices" not in error


@pytest.mark.parametrize("suffix", ["&device_id={other}", "#garbage"])
def test_a_device_id_is_one_value_in_the_query(
    server: StdioServer, fresh_sandbox: Sandbox, tracks: list[str], suffix: str
) -> None:
    """Not "another device's ID smuggled in", nor a fragment cut off: the ID is not found."""
    other = next(
        d["id"] for d in server.call_ok("playback_devices")["devices"] if d["id"] != LAPTOP
    )
    device_id = LAPTOP + suffix.format(other=other)
    error = server.call_error("playback_start", items=tracks[:1], device_id=device_id)
    assert "is none of the user's devices" in error
    assert state(server).get("device_id") is None


def test_errors_on_the_way_to_playing_say_what_to_do(
    server: StdioServer, fresh_sandbox: Sandbox
) -> None:
    # An ID that is no device's: the error lists the devices, so one call recovers.
    unknown = server.call_error("playback_transfer", device_id="Kitchen")
    assert f"'Kitchen' is none of the user's devices: Sandbox Laptop (device_id {LAPTOP})" in (
        unknown
    )
    server.call_ok("playback_transfer", device_id=LAPTOP)
    assert "pass items or context to playback_start" in server.call_error("playback_start")


@pytest.mark.parametrize("tool", [*COMMANDS, "playback_pause", "playback_transfer"])
def test_a_device_named_for_its_id_is_the_device_of_that_name(
    active: StdioServer, tracks: list[str], tool: str
) -> None:
    """Models pass a device's name where its ID belongs: Spotify refuses it, having done
    nothing, so the command runs on the one device of that name (case aside)."""
    active.call_ok("playback_transfer", device_id=PHONE)
    args = COMMANDS[tool](tracks) if tool in COMMANDS else {}
    active.call_ok(tool, {**args, "device_id": "sandbox LAPTOP"})
    assert state(active)["device_id"] == LAPTOP


@pytest.mark.parametrize(
    ("name", "device"),
    [("living room", "Living Room Speaker"), ("PHONE", "Sandbox Phone"), ("sandbox", None)],
)
def test_a_device_named_by_words_of_its_name_is_that_one_if_only_one_has_them(
    server: StdioServer, fresh_sandbox: Sandbox, name: str, device: str | None
) -> None:
    if device is None:  # two devices have the word: neither is guessed
        assert f"'sandbox' fits several devices: Sandbox Laptop (device_id {LAPTOP})" in (
            server.call_error("playback_transfer", device_id=name)
        )
    else:
        assert server.call_ok("playback_transfer", device_id=name) == {
            "done": f"transferred to {device}"
        }
        assert state(server)["device"] == device


def test_relative_changes_on_a_device_named_for_its_id(active: StdioServer) -> None:
    before = state(active)
    active.call_ok("playback_set", volume_by=-10, seek_by_ms=5_000, device_id="Sandbox Laptop")
    after = state(active)
    assert after["volume"] == before["volume"] - 10
    assert after["progress_ms"] >= before["progress_ms"] + 5_000


def test_pause_with_no_active_device_is_done_already(
    server: StdioServer, fresh_sandbox: Sandbox
) -> None:
    assert server.call_ok("playback_pause") == {"done": "nothing is playing (no device is active)"}


@pytest.mark.parametrize(
    ("start", "said"),
    [
        ({"offset": 2}, "offset 2 is past the last of the 2 items (offsets count from 0)"),
        ({"offset_item": 5}, "offset_item {} is not among the items"),
    ],
)
def test_start_at_an_offset_outside_the_items_is_refused_before_sending(
    server: StdioServer, sandbox: Sandbox, tracks: list[str], start: dict[str, Any], said: str
) -> None:
    args = {key: tracks[value] if key == "offset_item" else value for key, value in start.items()}
    sandbox.clear_requests()
    error = server.call_error("playback_start", {"items": tracks[:2], **args})
    assert said.format(args.get("offset_item")) in error
    assert not sandbox.requests()


def test_pause_answered_no_active_device_while_something_plays_is_not_done(
    active: StdioServer, sandbox: Sandbox
) -> None:
    """Spotify has answered NO_ACTIVE_DEVICE to a web player that was playing: the music
    plays on, so "nothing is playing" would be false."""
    assert state(active)["playing"] is True
    sandbox.add_fault(path="/v1/me/player/pause", status=404, reason="NO_ACTIVE_DEVICE")
    error = active.call_error("playback_pause")
    assert "No active Spotify device. The user's devices: " in error
    assert state(active)["playing"] is True


def test_pause_then_resume(active: StdioServer) -> None:
    assert active.call_ok("playback_pause") == {"done": "paused"}
    assert state(active)["playing"] is False
    assert active.call_ok("playback_pause") == {"done": "already paused"}  # idempotent
    assert active.call_ok("playback_start") == {"done": "resumed"}
    assert state(active)["playing"] is True


def test_skip_next_then_previous(active: StdioServer, tracks: list[str]) -> None:
    active.call_ok("playback_skip")
    assert state(active)["item"]["uri"] == tracks[1]
    active.call_ok("playback_skip", to="previous")
    assert state(active)["item"]["uri"] == tracks[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"items": ["spotify:album:4uLU6hMCjMI75M1A2tKUQC"]}, "album"),
        ({"items": ["4uLU6hMCjMI75M1A2tKUQC"]}, "bare ID"),
        ({"context": "spotify:track:4uLU6hMCjMI75M1A2tKUQC"}, "track"),
        ({"context": "spotify:album:123"}, "not a valid Spotify album ID"),
        ({"offset": -1, "context": "spotify:album:4uLU6hMCjMI75M1A2tKUQC"}, "greater than"),
        ({"offset": 1}, "need items or a context"),
        ({"context": "spotify:artist:4uLU6hMCjMI75M1A2tKUQC", "offset": 2}, "artist plays from"),
        (
            {
                "items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"],
                "offset": 0,
                "offset_item": "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
            },
            "offset or offset_item, not both",
        ),
        (
            {"items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"], "offset_item": "x"},
            "not a Spotify URI",
        ),
        (
            {
                "items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"],
                "context": "spotify:album:4uLU6hMCjMI75M1A2tKUQC",
            },
            "not both",
        ),
        ({"context": "spotify:album:0000000000000000000000"}, "Not found"),
        ({"tracks": []}, "unknown argument"),
        ({"items": []}, "at least 1 item"),  # not "resume"
    ],
)
def test_start_bad_input(active: StdioServer, args: dict[str, Any], expected: str) -> None:
    assert expected in active.call_error("playback_start", args)


def test_skip_rejects_unknown_directions(server: StdioServer) -> None:
    assert "'next' or 'previous'" in server.call_error("playback_skip", to="back")


# -- settings -------------------------------------------------------------------------------


def test_set_everything_then_state(active: StdioServer) -> None:
    done = active.call_ok(
        "playback_set", repeat="context", shuffle=True, volume=30, position_ms=10_000
    )
    assert done == {"done": "position_ms=10000, repeat=context, shuffle=true, volume=30"}
    now = state(active)
    assert (now["repeat"], now["shuffle"], now["volume"]) == ("context", True, 30)
    assert now["progress_ms"] >= 10_000


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, "pass at least one of"),
        ({"volume": 101}, "less than or equal to 100"),
        ({"volume": -1}, "greater than or equal to 0"),
        ({"repeat": "all"}, "'track', 'context' or 'off'"),
        ({"position_ms": -5}, "greater than or equal to 0"),
        ({"volume": True}, "volume: true or false is not a number (got true)"),  # not 1%
        ({"volume": 5, "volume_by": 5}, "pass volume or volume_by, not both"),
        ({"position_ms": 5, "seek_by_ms": 5}, "pass position_ms or seek_by_ms, not both"),
        ({"volume_by": -101}, "greater than or equal to -100"),
    ],
)
def test_set_bad_input(active: StdioServer, args: dict[str, Any], expected: str) -> None:
    assert expected in active.call_error("playback_set", args)


def test_set_relative_to_the_player(active: StdioServer) -> None:
    active.call_ok("playback_pause")  # the position stands still
    active.call_ok("playback_set", volume=50, position_ms=60_000)
    assert active.call_ok("playback_set", volume_by=10, seek_by_ms=30_000) == {
        "done": "position_ms=90000, volume=60"
    }
    assert (state(active)["volume"], state(active)["progress_ms"]) == (60, 90_000)
    active.call_ok("playback_set", volume_by=-100, seek_by_ms=-100_000)  # not below 0
    assert (state(active)["volume"], state(active)["progress_ms"]) == (0, 0)
    assert active.call_ok("playback_set", volume_by=150 - 50) == {"done": "volume=100"}


def test_set_relative_refusals_say_why(active: StdioServer) -> None:
    active.call_ok("playback_pause")
    length = state(active)["item"]["duration_ms"]
    active.call_ok("playback_set", position_ms=length - 20_000)
    assert "20 s of the item remain; playback_skip goes to the next one" in active.call_error(
        "playback_set", seek_by_ms=30_000
    )
    error = active.call_error("playback_set", seek_by_ms=10, device_id=PHONE)
    assert "moves through what Sandbox Laptop (the active device) plays" in error
    assert "Sandbox Phone does not let its volume be set" in active.call_error(
        "playback_set", volume_by=10, device_id=PHONE
    )
    assert f"none of the user's devices: Sandbox Laptop (device_id {LAPTOP})" in active.call_error(
        "playback_set", volume_by=10, device_id="no-such-device"
    )


def test_set_relative_with_no_active_device(server: StdioServer, fresh_sandbox: Sandbox) -> None:
    error = server.call_error("playback_set", volume_by=10)
    assert f"The user's devices: Sandbox Laptop (device_id {LAPTOP})" in error
    assert "Nothing is playing to seek in" in server.call_error("playback_set", seek_by_ms=10)
    # What the first error offers works: the same call on a device given by ID.
    volume = next(d for d in server.call_ok("playback_devices")["devices"] if d["id"] == LAPTOP)
    server.call_ok("playback_set", volume_by=10, device_id=LAPTOP)
    assert state(server)["volume"] == volume["volume"] + 10


def test_set_says_what_was_done_before_a_failure(active: StdioServer) -> None:
    active.call_ok("playback_transfer", device_id=PHONE)
    error = active.call_error("playback_set", shuffle=True, volume=50)
    assert "Done: shuffle=true; setting volume failed" in error
    assert "does not let its volume be set" in error
    assert state(active)["shuffle"] is True


# -- queue and history ----------------------------------------------------------------------


def test_queue_add_then_queue(active: StdioServer, tracks: list[str]) -> None:
    assert active.call_ok("playback_queue")["queue"][0]["uri"] == tracks[1]
    done = active.call_ok("playback_queue_add", items=tracks[7:9])
    assert done == {"done": "queued 2 items"}
    queue = active.call_ok("playback_queue")
    assert queue["current"]["uri"] == tracks[0]
    assert [item["uri"] for item in queue["queue"][:3]] == [tracks[7], tracks[8], tracks[1]]
    assert active.call_ok("playback_queue_add", items=tracks[9:]) == {"done": "queued 1 item"}


def test_queue_in_brief_names_each_item(active: StdioServer, tracks: list[str]) -> None:
    full, brief = (active.call_ok("playback_queue", brief=flag) for flag in (False, True))
    assert [i["uri"] for i in brief["queue"]] == [i["uri"] for i in full["queue"]]
    assert brief["current"] == {k: full["current"][k] for k in ("uri", "name")} | {
        "by": ", ".join(a["name"] for a in full["current"]["artists"])
    }
    assert set(brief["queue"][0]) == {"uri", "name", "by"}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "at least 1 item"),
        (["spotify:show:4uLU6hMCjMI75M1A2tKUQC"], "show"),
        (["x"] * 21, "at most 20"),
    ],
)
def test_queue_add_bad_input(active: StdioServer, items: list[str], expected: str) -> None:
    assert expected in active.call_error("playback_queue_add", items=items)


def test_recently_played_pages_back(server: StdioServer, fresh_sandbox: Sandbox) -> None:
    first = server.call_ok("playback_recently_played", limit=10)
    older = server.call_ok("playback_recently_played", limit=10, before=first["next_before"])
    assert len(first["items"]) == len(older["items"]) == 10
    assert first["items"][-1]["played_at"] > older["items"][0]["played_at"]
    assert all(item["uri"].startswith("spotify:track:") for item in first["items"] + older["items"])


def test_recently_played_pages_forward_after_a_time(
    server: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """With after, the cursor to go on is next_after (next_before would lead back into what
    after left out)."""
    every = server.call_ok("playback_recently_played", limit=30)["items"]
    played = [item["played_at"] for item in every]  # newest first
    start = int(datetime.fromisoformat(played[-1].replace("Z", "+00:00")).timestamp() * 1000)
    seen: list[str] = []
    page = server.call_ok("playback_recently_played", limit=10, after=start)
    while True:
        assert "next_before" not in page
        seen = [item["played_at"] for item in page["items"]] + seen
        if "next_after" not in page:
            break
        page = server.call_ok("playback_recently_played", limit=10, after=page["next_after"])
    assert seen == played[:-1]  # every play after the oldest, each once


def test_recently_played_shows_what_just_played(active: StdioServer, tracks: list[str]) -> None:
    latest = active.call_ok("playback_recently_played", limit=1)["items"][0]
    assert latest["uri"] == tracks[0] and latest["played_at"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"before": 1, "after": 1}, "not both"),
        ({"before": 1_700_000_000}, "before is in Unix milliseconds; 1700000000 looks like"),
        ({"after": 0}, "greater than or equal to 1"),
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": 51}, "less than or equal to 50"),
    ],
)
def test_recently_played_bad_input(
    server: StdioServer, args: dict[str, Any], expected: str
) -> None:
    assert expected in server.call_error("playback_recently_played", args)


# -- declared endpoints ---------------------------------------------------------------------


def sample_calls(tracks: list[str], catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Calls that together reach every endpoint each playback tool declares."""

    def first(kind: str) -> str:  # chapters have episode URIs
        table = catalog.chapters if kind == "chapter" else catalog.tables[kind]
        return f"spotify:{'episode' if kind == 'chapter' else kind}:{next(iter(table))}"

    return {
        "playback_state": [{}, {"item_only": True}],
        "playback_devices": [{}],
        "playback_transfer": [{"device_id": LAPTOP}],
        # the result names what plays: a read of its kind
        "playback_start": [
            {"items": tracks[:2]},
            {"items": [first("episode"), first("chapter")], "offset": 1},
            {"context": f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}", "offset": 1},
            *({"context": first(kind), "offset": 1} for kind in ("album", "show")),
            *({"context": first(kind)} for kind in ("artist", "audiobook")),
        ],
        "playback_pause": [{}],
        "playback_skip": [{"to": "next"}, {"to": "previous"}],
        "playback_set": [{"repeat": "off", "shuffle": False, "volume": 20, "position_ms": 0}],
        "playback_queue": [{}],
        "playback_queue_add": [{"items": tracks[:1]}],
        "playback_recently_played": [{}],
    }


def test_every_playback_tool_has_sample_calls(tracks: list[str]) -> None:
    assert {spec.name for spec in App.create().tools.by_plugin("playback")} == set(
        sample_calls(tracks, build_catalog(""))
    )


@pytest.mark.parametrize("tool", sample_calls([], build_catalog("")))
def test_declared_endpoints_are_the_ones_called(
    uncached: StdioServer, sb: Sandbox, tracks: list[str], tool: str
) -> None:
    uncached.call_ok("playback_transfer", device_id=LAPTOP)
    uncached.call_ok("playback_start", items=tracks[:3])
    samples = sample_calls(tracks, sb.runtime.catalog)[tool]
    calls = [lambda args=args: uncached.call_ok(tool, args) for args in samples]
    reached = {operation for call in calls for operation in operations_hit(sb, call)[1]}
    assert reached == set(App.create().tools.get(tool).endpoints)  # type: ignore[union-attr]
