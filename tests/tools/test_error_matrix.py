"""The error matrix of the Spotify tools, end to end over stdio against the sandbox.

One table (``CALLS``: a minimal well-formed call of every tool of the search, library,
playback and playlists plugins, its required arguments and its reference parameters) drives
the cells the per-group test files leave open:

- bad input, refused before any request reaches Spotify: every required argument left out,
  every reference parameter given the wrong kind or a malformed ID, every bound of the input
  schema crossed, and the argument checks the tools make themselves;
- Spotify's errors: 429 with Retry-After for every tool, unknown IDs, ranges only Spotify can
  check;
- a change followed by a read, with the cache on: the read shows the change.

Cells already covered elsewhere (NO_ACTIVE_DEVICE, PREMIUM_REQUIRED, someone else's playlist,
most unknown IDs) are not repeated here. Nothing in this module resets the sandbox after it
starts: the cached server's replies stay true to the sandbox, since every change goes through
that server.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from stdio_server import StdioServer, sandbox_env, text_of
from toolkit import UNCACHED, assert_refused, uri

from spotify_mcp.app import App
from spotify_mcp.refs import ITS_TRACKS, KINDS
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import (
    DEEP_FOCUS_PLAYLIST,
    FOLLOWED_PLAYLIST,
    UNFOLLOWED_PLAYLIST,
    device_id,
)

ANY_ID = "4uLU6hMCjMI75M1A2tKUQC"  # well-formed; the sandbox knows no such item
UNKNOWN = "0" * 22
LAPTOP = device_id(PREMIUM_USER, "Sandbox Laptop")
JPEG = base64.b64encode(bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")).decode()
GROUPS = ("search", "library", "playback", "playlists")
RETRY_AFTER_S = 60  # past the retry deadline: the tool answers at once
RATE_LIMITED = f"Spotify's rate limit was reached. Try again in {RETRY_AFTER_S} s."

PLAYLIST = ("playlist",)
PLAYABLE = ("track", "episode")
ADDABLE = (*PLAYABLE, "album", "playlist")  # albums and playlists add their items
REMOVABLE = (*ADDABLE, "artist")  # an artist's tracks in the playlist
CONTEXT = ("album", "playlist", "artist", "show", "audiobook")
LIBRARY = ("track", "album", "show", "episode", "audiobook", "artist", "user", "playlist")
CATALOG = ("track", "album", "artist", "show", "episode", "audiobook", "chapter")
PARENT = ("album", "artist", "show", "audiobook")


def ref(kind: str, ident: str = ANY_ID) -> str:
    return uri(kind, ident)


@dataclass(frozen=True)
class Call:
    """A minimal well-formed call of a tool (arrays hold one element, for the bounds)."""

    args: dict[str, Any]
    required: tuple[str, ...] = ()
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parameter -> its kinds


P, T = ref("playlist"), ref("track")
CALLS: dict[str, Call] = {
    "library_list_saved": Call({"kind": "track"}, ("kind",)),
    "library_save": Call({"refs": [T]}, ("refs",), {"refs": LIBRARY}),
    "library_remove": Call({"refs": [T]}, ("refs",), {"refs": LIBRARY}),
    "library_remove_saved": Call({"kind": "track", "by": "nobody at all"}, ("kind",)),
    "library_contains": Call({"refs": [T]}, ("refs",), {"refs": LIBRARY}),
    "library_list_top": Call({"kind": "artist"}, ("kind",)),
    "library_get_profile": Call({}),
    "playback_state": Call({}),
    "playback_devices": Call({}),
    "playback_queue": Call({}),
    "playback_recently_played": Call({}),
    "playback_transfer": Call({"device_id": LAPTOP}, ("device_id",)),
    "playback_start": Call(
        {"items": [T]}, refs={"items": PLAYABLE, "context": CONTEXT, "offset_item": PLAYABLE}
    ),
    "playback_pause": Call({}),
    "playback_skip": Call({}),
    "playback_set": Call({"volume": 10}),
    "playback_queue_add": Call({"items": [T]}, ("items",), {"items": PLAYABLE}),
    "playlists_list": Call({}),
    "playlists_get": Call({"playlist": P}, ("playlist",), {"playlist": PLAYLIST}),
    "playlists_get_items": Call({"playlist": P}, ("playlist",), {"playlist": PLAYLIST}),
    "playlists_get_cover": Call({"playlist": P}, ("playlist",), {"playlist": PLAYLIST}),
    "playlists_remove_duplicates": Call({"playlist": P}, ("playlist",), {"playlist": PLAYLIST}),
    "playlists_create": Call({"name": "Mine", "items": [T]}, ("name",), {"items": ADDABLE}),
    "playlists_update": Call(
        {"playlist": P, "name": "Mine"}, ("playlist",), {"playlist": PLAYLIST}
    ),
    **{
        tool: Call(
            {"playlist": P, "items": [T]},
            ("playlist", "items"),
            {"playlist": PLAYLIST, "items": REMOVABLE if "remove" in tool else ADDABLE},
        )
        for tool in ("playlists_add_items", "playlists_remove_items", "playlists_replace_items")
    },
    "playlists_reorder_items": Call(
        {"playlist": P, "range_start": 0, "insert_before": 2},
        ("playlist", "range_start", "insert_before"),
        {"playlist": PLAYLIST},
    ),
    "playlists_upload_cover": Call(
        {"playlist": P, "image": JPEG}, ("playlist", "image"), {"playlist": PLAYLIST}
    ),
    "search": Call({"query": "jazz"}, ("query",)),
    "search_get_items": Call({"refs": [T]}, ("refs",), {"refs": CATALOG}),
    "search_list_contents": Call({"ref": ref("album")}, ("ref",), {"ref": PARENT}),
}
REQUIRED = [(tool, param) for tool, call in CALLS.items() for param in call.required]
REFS = [(tool, param) for tool, call in CALLS.items() for param in call.refs]


def names(kinds: tuple[str, ...]) -> str:
    """How the tools list kinds: "track or episode", "album, artist, show or audiobook"."""
    return " or ".join(kinds) if len(kinds) <= 2 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def article(kind: str) -> str:
    return "an" if kind[0] in "aeio" else "a"


def with_value(tool: str, param: str, value: Any) -> tuple[dict[str, Any], str]:
    """The tool's call with ``param`` set to ``value`` (inside a list where the parameter is
    one), and where a validation message places it (``items.0``)."""
    listed = isinstance(CALLS[tool].args.get(param), list)
    args = {**CALLS[tool].args, param: [value] if listed else value}
    return args, f"{param}.0" if listed else param


def uris(page: Any) -> list[str]:
    return [item["uri"] for item in page["items"]]


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def seeded(sandbox: Sandbox) -> None:
    """Seeded state once, before this module's servers start."""
    sandbox.reset()


@pytest.fixture
def log(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox with an empty request log and no faults (and none left behind); not reset,
    so what the cached server holds stays true."""
    sandbox.clear_faults()
    sandbox.clear_requests()
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture(scope="module")
def schemas(uncached: StdioServer) -> dict[str, dict[str, Any]]:
    """Each tool's input schema, as tools/list sends it."""
    return {tool.name: tool.input_schema for tool in uncached.list_tools()}


@pytest.fixture(scope="module")
def throttled(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StdioServer]:
    """A server without the cache and the limiter: the limiter's gate, once closed by a 429,
    would hold every later call of the module; the retry middleware alone gives up at once
    when Retry-After is past its deadline. The gate has its own test below
    (test_a_429_holds_every_tool_until_retry_after_has_passed)."""
    env = {
        **sandbox_env(sandbox),
        **UNCACHED,
        "SPOTIFY_MCP_PLUGINS__DISABLED": '["cache", "limiter"]',
    }
    with StdioServer(env=env, home=tmp_path_factory.mktemp("throttled")) as running:
        yield running


# -- the table covers every tool --------------------------------------------------------------


def test_the_table_has_every_tool_its_required_arguments_and_references(
    schemas: dict[str, dict[str, Any]],
) -> None:
    assert set(CALLS) == {spec.name for spec in App.create().tools if spec.plugin in GROUPS}
    problems = []
    for tool, call in CALLS.items():
        schema = schemas[tool]
        properties = schema.get("properties", {})
        if set(schema.get("required", [])) != set(call.required):
            problems.append(f"{tool}: requires {schema.get('required')}, not {call.required}")
        described = {
            name: (prop.get("items") or prop).get("description", "")
            for name, prop in properties.items()
        }
        refs = {name for name, text in described.items() if text.endswith("URI or URL")}
        if not refs <= set(call.refs) <= set(properties):
            problems.append(f"{tool}: reference parameters {sorted(refs)}, not {sorted(call.refs)}")
        for param, kinds in call.refs.items():
            accepted = "ID, URI or URL" if len(kinds) == 1 else "URI or URL"
            if param in refs and described[param] != f"{names(kinds).capitalize()} {accepted}":
                problems.append(f"{tool}.{param}: takes {described[param]!r}, not {kinds}")
    assert not problems, "\n".join(problems)


# -- bad input: refused before any request ----------------------------------------------------


@pytest.mark.parametrize(("tool", "param"), REQUIRED)
def test_a_missing_argument_is_named(
    uncached: StdioServer, log: Sandbox, tool: str, param: str
) -> None:
    args = {name: value for name, value in CALLS[tool].args.items() if name != param}
    message = assert_refused(uncached, log, tool, args)
    assert message == f"Invalid arguments for {tool}: {param}: missing."


@pytest.mark.parametrize(("tool", "param"), REFS)
def test_a_reference_of_the_wrong_kind_says_which_kinds_fit(
    uncached: StdioServer, log: Sandbox, tool: str, param: str
) -> None:
    kinds = CALLS[tool].refs[param]
    wrong = next(kind for kind in KINDS if kind not in kinds)
    args, where = with_value(tool, param, ref(wrong))
    message = assert_refused(uncached, log, tool, args)
    said = (
        f"Invalid arguments for {tool}: {where}: {ref(wrong)!r} is {article(wrong)} {wrong}, "
        f"but {article(kinds[0])} {names(kinds)} is expected here"
    )
    # then, for some parameters and kinds, what to do with it instead
    hints = {
        *ITS_TRACKS.values(),
        "to play it, pass it as context",
        "to play it, pass it in items",
        "to play it, pass its chapters in items (search_list_contents lists them)",
        "playlists_get (with a user's login) gives its details",
    }
    assert message in {f"{said}.", *(f"{said}; {hint}." for hint in hints)}


@pytest.mark.parametrize(("tool", "param"), REFS)
def test_a_malformed_id_says_what_an_id_looks_like(
    uncached: StdioServer, log: Sandbox, tool: str, param: str
) -> None:
    kind = CALLS[tool].refs[param][0]
    args, where = with_value(tool, param, ref(kind, "tooshort"))
    message = assert_refused(uncached, log, tool, args)
    assert f"{where}: 'tooshort' is not a valid Spotify {kind} ID (IDs are 22 letters" in message


def crossings(name: str, schema: dict[str, Any], example: Any) -> Iterator[tuple[Any, str]]:
    """Values just outside each bound of a parameter's schema, with a pattern of the clause
    that must refuse them. ``example`` is a valid value (for an array: one element)."""
    at = re.escape(name)
    if "minimum" in schema:
        low = schema["minimum"] - 1
        yield low, rf"{at}: input should be greater than or equal to {low + 1} \(got {low}\)"
    if "maximum" in schema:
        high = schema["maximum"] + 1
        yield high, rf"{at}: input should be less than or equal to {high - 1} \(got {high}\)"
    if "minLength" in schema:
        yield "", rf"{at}: string should have at least {schema['minLength']} character"
    if "maxLength" in schema:
        yield "x" * (schema["maxLength"] + 1), rf"{at}: string should have at most"
    if "pattern" in schema:
        yield "!", rf"{at}: string should match pattern"
    if "enum" in schema:
        yield "bogus", rf"{at}: input should be {re.escape(repr(schema['enum'][0]))}"
    if "minItems" in schema:
        yield [], rf"{at}: (list|tuple) should have at least {schema['minItems']} item"
    if "maxItems" in schema:
        too_many = [example[0]] * (schema["maxItems"] + 1)
        yield too_many, rf"{at}: (list|tuple) should have at most {schema['maxItems']} items"
    if "items" in schema:
        for value, clause in crossings(f"{name}.0", schema["items"], None):
            yield [value], clause


@pytest.mark.parametrize("tool", CALLS)
def test_every_bound_of_the_input_schema_is_enforced(
    uncached: StdioServer, log: Sandbox, schemas: dict[str, dict[str, Any]], tool: str
) -> None:
    """Out of range numbers, lengths, counts, patterns and choices (the wrong kind of a
    ``kind`` or ``types``): each refused before any request, with the bound in the message."""
    base = CALLS[tool].args
    problems = []
    for name, schema in schemas[tool].get("properties", {}).items():
        for value, clause in crossings(name, schema, base.get(name)):
            log.clear_requests()
            result = uncached.call(tool, {**base, name: value})
            text, shown = text_of(result), str(value)[:40]
            if not result.is_error or log.requests():
                problems.append(f"{name}={shown}: not refused before any request ({text[:80]})")
            elif not re.search(clause, text):
                problems.append(f"{name}={shown}: {text!r} does not match {clause!r}")
    assert not problems, "\n".join(problems)


#: case -> (tool, arguments its own checks refuse, what the refusal says)
TOOL_CHECKS: dict[str, tuple[str, dict[str, Any], str]] = {
    "start items and context": (
        "playback_start",
        {"items": [T], "context": ref("album")},
        "pass items or context, not both",
    ),
    "start at an offset and an item": (
        "playback_start",
        {"context": ref("album"), "offset": 0, "offset_item": T},
        "pass offset or offset_item, not both",
    ),
    "start at an offset of nothing": (
        "playback_start",
        {"offset": 1},
        "offset and offset_item need items or a context",
    ),
    "start an artist at an offset": (
        "playback_start",
        {"context": ref("artist"), "offset": 2},
        "an artist plays from its top",
    ),
    "set nothing": ("playback_set", {}, "pass at least one of repeat, shuffle, volume"),
    "played before and after": (
        "playback_recently_played",
        {"before": 1, "after": 1},
        "pass before or after, not both",
    ),
    "create public and collaborative": (
        "playlists_create",
        {"name": "X", "public": True, "collaborative": True},
        "a collaborative playlist must be private",
    ),
    "update nothing": ("playlists_update", {"playlist": P}, "pass at least one of name"),
    "update to public and collaborative": (
        "playlists_update",
        {"playlist": P, "public": True, "collaborative": True},
        "a collaborative playlist must be private",
    ),
    "remove with unpaired positions": (
        "playlists_remove_items",
        {"playlist": P, "items": [T], "positions": [0, 1]},
        "positions pair up with items (items[i] is at positions[i]): got 1 items and 2 positions",
    ),
    "remove 101 items by position": (
        "playlists_remove_items",
        {
            "playlist": P,
            "items": [ref("track", f"{n:022d}") for n in range(101)],
            "positions": list(range(101)),
        },
        "remove at most 100 different items by position",
    ),
    "an unknown argument": (
        "playback_start",
        {"tracks": [T]},
        "unknown argument(s) tracks; playback_start takes: items",
    ),
}


@pytest.mark.parametrize(("tool", "args", "expected"), TOOL_CHECKS.values(), ids=TOOL_CHECKS)
def test_checks_beyond_the_schema_refuse_before_any_request(
    uncached: StdioServer, log: Sandbox, tool: str, args: dict[str, Any], expected: str
) -> None:
    assert expected in assert_refused(uncached, log, tool, args)


# -- Spotify's errors -------------------------------------------------------------------------


@pytest.mark.parametrize("tool", CALLS)
def test_a_429_says_when_to_try_again_after_one_request(
    throttled: StdioServer, log: Sandbox, tool: str
) -> None:
    log.add_fault(path="/v1/*", status=429, retry_after=RETRY_AFTER_S, times=None)
    message = throttled.call_error(tool, CALLS[tool].args)
    assert message == f"Error executing tool {tool}: {RATE_LIMITED}"
    assert [entry["status"] for entry in log.requests()] == [429]  # no retry storm, no more


def test_a_429_with_retry_after_0_does_not_say_try_again_in_0_s(
    throttled: StdioServer, log: Sandbox
) -> None:
    log.add_fault(path="/v1/*", status=429, retry_after=0, times=None)
    message = throttled.call_error("playlists_list")
    assert "rate limit" in message and re.search(r"Try again in [1-9]\d* s\.", message)


def test_a_429_holds_every_tool_until_retry_after_has_passed(log: Sandbox, tmp_path: Path) -> None:
    """The default pipeline (limiter on): the 429 met by one tool is answered at once, and
    another tool is told to wait too, without a request Spotify would refuse."""
    env = {**sandbox_env(log), "SPOTIFY_MCP_PLUGINS__DISABLED": '["cache"]'}
    log.add_fault(path="/v1/me/player/devices", status=429, retry_after=RETRY_AFTER_S)
    with StdioServer(env=env, home=tmp_path) as server:
        assert server.call_error("playback_devices").endswith(RATE_LIMITED)
        held = server.call_error("library_get_profile")
    assert re.search(r"rate limit was reached\. Try again in (59|60) s\.$", held)
    assert [entry["path"] for entry in log.requests()] == ["/v1/me/player/devices"]


UNKNOWN_PLAYLIST = ref("playlist", UNKNOWN)
#: case -> (tool, arguments naming what Spotify does not know, the way out the error names);
#: the other arguments are the tool's in CALLS
UNKNOWN_IDS: dict[str, tuple[str, dict[str, Any], str]] = {
    "playlists_remove_items": ("playlists_remove_items", {"playlist": UNKNOWN_PLAYLIST}, "search"),
    "playlists_reorder_items": (
        "playlists_reorder_items",
        {"playlist": UNKNOWN_PLAYLIST},
        "search",
    ),
    "playlists_replace_items": (
        "playlists_replace_items",
        {"playlist": UNKNOWN_PLAYLIST},
        "search",
    ),
    "playlists_upload_cover": ("playlists_upload_cover", {"playlist": UNKNOWN_PLAYLIST}, "search"),
    "playlists_remove_duplicates": (
        "playlists_remove_duplicates",
        {"playlist": UNKNOWN_PLAYLIST},
        "playlists_list with name",
    ),
    "library_remove": ("library_remove", {"refs": [ref("show", UNKNOWN)]}, "search"),
    "playback_start device": (
        "playback_start",
        {"device_id": "f00"},
        "'f00' is none of the user's devices: Sandbox Laptop (device_id",
    ),
}
#: Unknown items inside a request body, which Spotify answers with 400, not 404.
UNKNOWN_IDS_IN_A_BODY: dict[str, tuple[str, dict[str, Any], str]] = {
    "playlists_add_items item": (
        "playlists_add_items",
        {"playlist": ref("playlist", DEEP_FOCUS_PLAYLIST), "items": [ref("track", UNKNOWN)]},
        "search",
    ),
    "playback_start item": ("playback_start", {"items": [ref("track", UNKNOWN)]}, "search"),
    "playback_queue_add item": (
        "playback_queue_add",
        {"items": [ref("episode", UNKNOWN)]},
        "search",
    ),
}


@pytest.mark.parametrize(
    ("tool", "args", "way_out"),
    [pytest.param(*row, id=case) for case, row in {**UNKNOWN_IDS, **UNKNOWN_IDS_IN_A_BODY}.items()],
)
def test_an_unknown_id_is_reported_with_the_way_to_the_right_one(
    uncached: StdioServer, log: Sandbox, tool: str, args: dict[str, Any], way_out: str
) -> None:
    uncached.call_ok("playback_transfer", device_id=LAPTOP)  # player calls get past the device
    log.clear_requests()
    message = uncached.call_error(tool, {**CALLS[tool].args, **args})
    assert re.search(r"not found|non-existing", message, re.I) and way_out in message
    # The one refused request, then reads that tell the way out: the lookups of a change's
    # items (which is unknown), or the user's devices.
    statuses = [(entry["method"], entry["status"]) for entry in log.requests()]
    assert statuses[0][1] in (400, 404) and all(m == "GET" for m, _ in statuses[1:])


#: case -> (tool, arguments given a playlist of three tracks, what the error says)
SPOTIFY_CHECKS: dict[str, tuple[str, Callable[[list[str]], dict[str, Any]], str]] = {
    "add past the end": (
        "playlists_add_items",
        lambda three: {"items": three[:1], "position": 4},
        "Spotify rejected the request as invalid: Index out of bounds. position must be at "
        "most the item count of",
    ),
    "add past the end (the count)": (
        "playlists_add_items",
        lambda three: {"items": three[:1], "position": 4},
        ", now 3 (positions count from 0).",
    ),
    "move before past the end": (
        "playlists_reorder_items",
        lambda three: {"range_start": 0, "insert_before": 4},
        "Spotify rejected the request as invalid: Invalid range. range_start + range_length and "
        "insert_before must each be at most the item count of",
    ),
    "move a range past the end": (
        "playlists_reorder_items",
        lambda three: {"range_start": 1, "insert_before": 0, "range_length": 3},
        ", now 3 (positions count from 0).",
    ),
    "move in an unknown version": (
        "playlists_reorder_items",
        lambda three: {"range_start": 0, "insert_before": 2, "snapshot_id": "stale"},
        "snapshot_id is not a version of",
    ),
    "remove from an unknown version": (
        "playlists_remove_items",
        lambda three: {"items": three[:1], "snapshot_id": "stale"},
        "snapshot_id is not a version of",
    ),
    "remove by position from an unknown version": (
        "playlists_remove_items",
        lambda three: {"items": three[:1], "positions": [0], "snapshot_id": "stale"},
        "leave it out for the current version, or pass one a change of the playlist returned.",
    ),
}


@pytest.mark.parametrize(("tool", "args", "said"), SPOTIFY_CHECKS.values(), ids=SPOTIFY_CHECKS)
def test_a_value_only_spotify_can_check_is_refused_and_changes_nothing(
    uncached: StdioServer,
    sandbox: Sandbox,
    tool: str,
    args: Callable[[list[str]], dict[str, Any]],
    said: str,
) -> None:
    three = [ref("track", ident) for ident in list(sandbox.runtime.catalog.tracks)[:3]]
    playlist = uncached.call_ok("playlists_create", {"name": "Three"})["playlist"]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=three)
    message = uncached.call_error(tool, {"playlist": playlist, **args(three)})
    assert said in message
    assert uris(uncached.call_ok("playlists_get_items", playlist=playlist)) == three


@pytest.mark.parametrize("kind", ["playlist", "album", "show"])
def test_playing_from_past_the_end_of_a_context_gives_its_item_count(
    uncached: StdioServer, log: Sandbox, kind: str
) -> None:
    ident = (
        DEEP_FOCUS_PLAYLIST if kind == "playlist" else next(iter(log.runtime.catalog.tables[kind]))
    )
    count = 150 if kind == "playlist" else len(log.runtime.catalog.children(kind, ident) or [])
    context = ref(kind, ident)
    args = {"context": context, "offset": count, "device_id": LAPTOP}
    message = uncached.call_error("playback_start", args)
    # Spotify says only "Invalid offset"
    assert message.endswith(
        f"offset {count} is past the end of {context}, which holds {count} items "
        "(offsets count from 0)."
    )


def test_playing_from_an_item_not_in_the_context_says_where_its_items_are(
    uncached: StdioServer, log: Sandbox
) -> None:
    albums = list(log.runtime.catalog.albums)
    album = ref("album", albums[0])
    elsewhere = log.runtime.catalog.children("album", albums[1])[0].uri
    args = {"context": album, "offset_item": elsewhere, "device_id": LAPTOP}
    assert uncached.call_error("playback_start", args).endswith(
        f"offset_item is not in {album}; search_list_contents or playlists_get_items "
        "lists its items."
    )


# -- a change, then a read, with the cache on -------------------------------------------------


@dataclass(frozen=True)
class World:
    """What one change-then-read case works on: a new playlist of the user's holding
    ``a, b, c``, another track ``d``, and library items in a known state."""

    playlist: str
    a: str
    b: str
    c: str
    d: str
    unsaved: str  # a track the user has not saved
    newest: str  # the user's most recently saved track
    unfollowed: str  # an artist the user does not follow
    name: str  # a name no playlist has


@pytest.fixture
def world(server: StdioServer, sandbox: Sandbox) -> World:
    user = sandbox.runtime.state.users[PREMIUM_USER]
    catalog = sandbox.runtime.catalog
    followed = user.followed_artists
    a, b, c, d = (ref("track", ident) for ident in list(catalog.tracks)[:4])
    playlist = server.call_ok("playlists_create", {"name": "Change then read"})["playlist"]
    server.call_ok("playlists_add_items", playlist=playlist, items=[a, b, c])
    return World(
        playlist=playlist,
        a=a,
        b=b,
        c=c,
        d=d,
        unsaved=ref("track", next(i for i in catalog.tracks if i not in user.saved["track"])),
        newest=ref("track", next(reversed(user.saved["track"]))),
        unfollowed=ref("artist", next(i for i in catalog.artists if i not in followed)),
        # letters only, so the sandbox's search reads it as one word
        name="Fresh " + "".join(chr(97 + int(x, 16)) for x in uuid.uuid4().hex[:12]),
    )


ToolCall = tuple[str, dict[str, Any]]


def listed(page: Any, playlist: str) -> Any:
    return next((item for item in page["items"] if item["uri"] == playlist), None)


#: case -> (the read, the change, whether a result of the read shows the change)
CHANGES: dict[str, tuple[Callable[[World], ToolCall], Callable[[World], ToolCall], Any]] = {
    "library_save -> library_contains": (
        lambda w: ("library_contains", {"refs": [w.unsaved]}),
        lambda w: ("library_save", {"refs": [w.unsaved]}),
        lambda w, r: r["saved"][w.unsaved],
    ),
    "library_save -> library_list_saved": (
        lambda w: ("library_list_saved", {"kind": "track", "limit": 1}),
        lambda w: ("library_save", {"refs": [w.unsaved]}),
        lambda w, r: uris(r) == [w.unsaved],
    ),
    "library_remove -> library_contains": (
        lambda w: ("library_contains", {"refs": [w.newest]}),
        lambda w: ("library_remove", {"refs": [w.newest]}),
        lambda w, r: not r["saved"][w.newest],
    ),
    "library_remove -> library_list_saved": (
        lambda w: ("library_list_saved", {"kind": "track", "limit": 1}),
        lambda w: ("library_remove", {"refs": [w.newest]}),
        lambda w, r: uris(r) != [w.newest],
    ),
    "library_save (follow artist) -> library_list_saved": (
        lambda w: ("library_list_saved", {"kind": "artist", "limit": 1}),
        lambda w: ("library_save", {"refs": [w.unfollowed]}),
        lambda w, r: uris(r) == [w.unfollowed],
    ),
    "library_save (follow playlist) -> playlists_list": (
        lambda w: ("playlists_list", {"limit": 50}),
        lambda w: ("library_save", {"refs": [ref("playlist", UNFOLLOWED_PLAYLIST)]}),
        lambda w, r: listed(r, ref("playlist", UNFOLLOWED_PLAYLIST)) is not None,
    ),
    "library_remove (unfollow playlist) -> playlists_list": (
        lambda w: ("playlists_list", {"limit": 50}),
        lambda w: ("library_remove", {"refs": [ref("playlist", FOLLOWED_PLAYLIST)]}),
        lambda w, r: listed(r, ref("playlist", FOLLOWED_PLAYLIST)) is None,
    ),
    "playlists_create -> playlists_list": (
        lambda w: ("playlists_list", {"limit": 50}),
        lambda w: ("playlists_create", {"name": w.name}),
        lambda w, r: any(item["name"] == w.name for item in r["items"]),
    ),
    "playlists_update -> playlists_get": (
        lambda w: ("playlists_get", {"playlist": w.playlist}),
        lambda w: ("playlists_update", {"playlist": w.playlist, "name": w.name}),
        lambda w, r: r["name"] == w.name,
    ),
    "playlists_update -> playlists_list": (
        lambda w: ("playlists_list", {"limit": 50}),
        lambda w: ("playlists_update", {"playlist": w.playlist, "name": w.name}),
        lambda w, r: listed(r, w.playlist)["name"] == w.name,
    ),
    "playlists_add_items -> playlists_get_items": (
        lambda w: ("playlists_get_items", {"playlist": w.playlist}),
        lambda w: ("playlists_add_items", {"playlist": w.playlist, "items": [w.d]}),
        lambda w, r: uris(r) == [w.a, w.b, w.c, w.d],
    ),
    "playlists_add_items -> playlists_get": (
        lambda w: ("playlists_get", {"playlist": w.playlist}),
        lambda w: ("playlists_add_items", {"playlist": w.playlist, "items": [w.d]}),
        lambda w, r: r["total"] == 4,
    ),
    "playlists_add_items -> playlists_list": (
        lambda w: ("playlists_list", {"limit": 50}),
        lambda w: ("playlists_add_items", {"playlist": w.playlist, "items": [w.d]}),
        lambda w, r: listed(r, w.playlist)["total"] == 4,
    ),
    "playlists_remove_items -> playlists_get_items": (
        lambda w: ("playlists_get_items", {"playlist": w.playlist}),
        lambda w: ("playlists_remove_items", {"playlist": w.playlist, "items": [w.a]}),
        lambda w, r: uris(r) == [w.b, w.c],
    ),
    "playlists_reorder_items -> playlists_get_items": (
        lambda w: ("playlists_get_items", {"playlist": w.playlist}),
        lambda w: (
            "playlists_reorder_items",
            {"playlist": w.playlist, "range_start": 2, "insert_before": 0},
        ),
        lambda w, r: uris(r) == [w.c, w.a, w.b],
    ),
    "playlists_replace_items -> playlists_get_items": (
        lambda w: ("playlists_get_items", {"playlist": w.playlist}),
        lambda w: ("playlists_replace_items", {"playlist": w.playlist, "items": [w.d]}),
        lambda w, r: uris(r) == [w.d],
    ),
}
SEARCH_AFTER_CREATE = (
    lambda w: ("search", {"query": w.name, "types": ["playlist"]}),
    lambda w: ("playlists_create", {"name": w.name, "public": True}),
    lambda w, r: any(item["name"] == w.name for item in r["pages"]["playlist"]["items"]),
)


@pytest.mark.parametrize(
    "case",
    [
        *(pytest.param(case, id=name) for name, case in CHANGES.items()),
        pytest.param(SEARCH_AFTER_CREATE, id="playlists_create (public) -> search"),
    ],
)
def test_a_read_after_a_change_shows_it_with_the_cache_on(
    server: StdioServer, sandbox: Sandbox, world: World, case: Any
) -> None:
    read_call, change_call, shows = case
    read, change = read_call(world), change_call(world)
    before = server.call_ok(*read)
    sandbox.clear_requests()
    assert server.call_ok(*read) == before and sandbox.requests() == []  # served by the cache
    assert not shows(world, before)
    server.call_ok(*change)
    assert shows(world, server.call_ok(*read))


@pytest.mark.parametrize(
    "fault",
    [{"drop_connection": True}, {"status": 500}],
    ids=["response lost", "5xx after the change"],
)
def test_a_change_whose_answer_is_lost_says_to_read_and_the_read_shows_it(
    server: StdioServer, log: Sandbox, world: World, fault: dict[str, Any]
) -> None:
    playlist_id = world.playlist.rsplit(":", 1)[-1]
    assert uris(server.call_ok("playlists_get_items", playlist=world.playlist)) == [
        world.a,
        world.b,
        world.c,
    ]
    log.add_fault(method="POST", path=f"/v1/playlists/{playlist_id}/items", apply=True, **fault)
    message = server.call_error("playlists_add_items", playlist=world.playlist, items=[world.d])
    assert "may or may not have been made" in message and "current state" in message
    after = server.call_ok("playlists_get_items", playlist=world.playlist)
    assert uris(after) == [world.a, world.b, world.c, world.d]  # fresh, and added once
