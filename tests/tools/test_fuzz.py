"""Every tool fuzzed from its own input schema, end to end over stdio against the sandbox.

hypothesis draws each tool's arguments from the input schema tools/list sends
(hypothesis-jsonschema), with references to seeded items, whole or edited, mixed into its
string fields so calls get past the reference parser to the tool and to Spotify; and
arguments that break the schema: a value of the wrong type, an unknown argument, a required
one left out, a number out of range. Whatever the arguments, the house rule holds: the call
comes back as a tool result, a success whose structured content fits the tool's output schema
or an error a model can act on, and the server keeps serving. test_error_matrix.py pins the
exact messages of cases written by hand; this module looks for the combinations nobody wrote.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError
from stdio_server import StdioServer, sandbox_env, text_of
from toolkit import UNCACHED, uri

from spotify_mcp.refs import KINDS
from spotify_mcp.sandbox import FREE_USER, PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import (
    COLLAB_PLAYLIST,
    DEEP_FOCUS_PLAYLIST,
    DJ_USER,
    EMPTY_PLAYLIST,
    FOLLOWED_PLAYLIST,
    UNFOLLOWED_PLAYLIST,
    device_id,
    playlist_id,
)

EXAMPLES = 30  # per tool: 34 tools, about 1000 calls in all
UNKNOWN = "0" * 22
LONG = 120  # items of a long list: past 100, 50 and 20 (what one request of a kind takes)
# Text that means something to a URL, a query string, JSON, a shell or a reference parser.
ODD = [
    *("", " ", "\t\n", "\x00", "%", "%00", "%2F", "&market=XX", "#", "?", "/", "..", "../..", "\\"),
    *("spotify:", "spotify:track:", "spotify:track:" + "0" * 22 + ":x", "open.spotify.com"),
    *("https://open.spotify.com/", "http://spotify.com/track/x", "null", "None", "🎵" * 30),
    "x" * 5000,
]
SAMPLED = 3  # seeded items of each kind offered to the fuzzer
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
# What the SDK answers for an exception a tool did not expect ("Error executing tool NAME",
# the exception withheld) and what errors.explain says for one it cannot explain: both mean
# a bug, never a message a model can act on.
CRASHED = re.compile(r"Error executing tool \w+$|Unexpected error: ")
# A Python exception shown as it is: a traceback, a repr, pydantic's raw report.
RAW = re.compile(
    r"Traceback \(most recent|File \"[^\"]+\", line \d|\b\w+(Error|Exception)\(|<class '"
    r"|errors\.pydantic\.dev|\[type=|validation errors? for "
)
# Input quoted in a message is escaped (JSON or repr): a raw NUL, newline or ESC would hide
# what was wrong ("unknown argument(s) ;" for an argument named "") or garble a terminal.
CONTROL = re.compile(r"[\x00-\x1f]")
LAX = {kind: TypeAdapter(t) for kind, t in (("integer", int), ("boolean", bool), ("string", str))}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@dataclass(frozen=True)
class Tool:
    name: str
    input: dict[str, Any]
    output: dict[str, Any] | None

    @property
    def properties(self) -> dict[str, Any]:
        return dict(self.input.get("properties", {}))

    @property
    def required(self) -> list[str]:
        return list(self.input.get("required", []))


@dataclass(frozen=True)
class Args:
    """Arguments to call a tool with, and how they break its input schema (None: they
    don't)."""

    values: dict[str, Any]
    breach: str | None = None
    lenient: bool = False  # the breach is a value pydantic reads as one the schema allows


# -- what the fuzzer mixes in ---------------------------------------------------------------


def seeded_references(sb: Sandbox) -> dict[str, list[str]]:
    """References to seeded items of each kind (and to items nobody has), in each form a
    tool takes: URI, URL (with a share token, localized), legacy playlist URI; bare playlist
    IDs apart."""
    catalog = sb.runtime.catalog
    items = [
        (kind, ident)
        for kind, table in (*catalog.tables.items(), ("chapter", catalog.chapters))
        for ident in list(table)[:SAMPLED]
    ]
    playlists = (
        DEEP_FOCUS_PLAYLIST,  # the user's, 150 items
        EMPTY_PLAYLIST,  # the user's, empty
        *(playlist_id(key) for key in ("morning-commute", "late-night", "road-trip")),
        FOLLOWED_PLAYLIST,  # followed, someone else's
        COLLAB_PLAYLIST,  # collaborative, someone else's
        UNFOLLOWED_PLAYLIST,  # someone else's, not followed
    )
    items += [("playlist", ident) for ident in playlists]
    items += [("user", user) for user in (PREMIUM_USER, DJ_USER, "nobody-at-all")]
    items += [(kind, UNKNOWN) for kind in ("track", "album", "playlist", "episode", "show")]
    references: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for kind, ident in items:
        references[kind] += [
            uri(kind, ident),
            f"https://open.spotify.com/{kind}/{ident}?si=0123abcd",
            f"open.spotify.com/intl-de/{kind}/{ident}",
        ]
    references["playlist"].append(f"spotify:user:{DJ_USER}:playlist:{FOLLOWED_PLAYLIST}")
    references["bare"] = list(playlists)  # where one kind fits, an ID alone is enough
    return references


def devices() -> list[str]:
    """The premium user's devices, another user's, one nobody has."""
    names = ("Sandbox Laptop", "Sandbox Phone", "Living Room Speaker")
    return [
        *(device_id(PREMIUM_USER, name) for name in names),
        device_id(FREE_USER, "Jordan's Phone"),
        "f" * 40,
    ]


def images() -> list[str]:
    """A JPEG as base64, as a data: URL, wrapped in lines; base64 of a PNG's start."""
    jpeg = base64.b64encode(JPEG).decode()
    return [
        jpeg,
        f"data:image/jpeg;base64,{jpeg}",
        f"{jpeg[:8]}\n{jpeg[8:]}",
        base64.b64encode(b"\x89PNG\r\n\x1a\n").decode(),
    ]


def edited(texts: list[str]) -> st.SearchStrategy[str]:
    """One of ``texts`` with a few characters inserted or cut at a random place."""

    def edit(text: str, at: int, cut: int, insert: str) -> str:
        at = at % (len(text) + 1)
        return text[:at] + insert + text[at + cut :]

    return st.builds(
        edit, st.sampled_from(texts), st.integers(0, 80), st.integers(0, 3), st.text(max_size=3)
    )


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A value of one of the strategies, picked in proportion to its weight."""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


def field_values(name: str, schema: dict[str, Any], pools: dict[str, list[str]]) -> Any:
    """The strategy of a well-formed value of argument ``name``: what the schema allows, with
    values that reach further mixed in. A reference (or a list of them) is mostly a seeded
    item of a kind it takes (the kinds its description names); a list is sometimes long
    enough to be sent in several requests; a number is sometimes at or past what 64 bits
    hold; other text is sometimes a reference or text that means something in a URL."""
    if schema.get("type") == "array" and _free_string(schema.get("items", {})):
        fitting = st.sampled_from(_fitting(name, schema["items"], pools) or [""])
        element = weighted((4, fitting), (1, field_values(name, schema["items"], pools)))
        low, high = schema.get("minItems", 0), schema.get("maxItems", LONG)
        return weighted(
            (6, st.lists(element, min_size=low, max_size=max(low, min(high, 5)))),
            (1, st.lists(fitting, min_size=min(high, LONG // 2), max_size=min(high, LONG))),
        )
    from hypothesis_jsonschema import from_schema  # its import writes hypothesis's cache

    own = from_schema(schema)
    if schema.get("type") == "integer":
        low, high = schema.get("minimum", -(2**70)), schema.get("maximum", 2**70)
        edges = (*range(3), 49, 50, 51, 100, 101, 2**31, 2**63, 10**30)
        return weighted(
            (4, own), (1, st.sampled_from([n for n in (low, high, *edges) if low <= n <= high]))
        )
    if not _free_string(schema):
        return own
    anything = [ref for kind in KINDS for ref in pools[kind]] + ODD
    fitting = _fitting(name, schema, pools)
    mixed = (
        weighted(
            (12, st.sampled_from(fitting)), (2, st.sampled_from(anything)), (2, edited(fitting))
        )
        if fitting
        else weighted((1, st.sampled_from(anything)), (1, edited(anything)))
    )
    # Only values the schema allows: a call is well-formed or says how it is not (Args.breach).
    return weighted((1, own), (3 if fitting else 1, mixed.filter(lambda v: _valid(schema, v))))


def _fitting(name: str, schema: dict[str, Any], pools: dict[str, list[str]]) -> list[str]:
    """Seeded values for a device ID, an image, or a reference of the kinds its description
    names (a bare ID only where one kind fits); none for other text."""
    if name in pools:
        return pools[name]
    kinds = [kind for kind in KINDS if kind in schema.get("description", "").lower()]
    bare = pools["bare"] if kinds == ["playlist"] else []
    return [ref for kind in kinds for ref in pools[kind]] + bare


def _free_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema


# -- arguments --------------------------------------------------------------------------------


def well_formed(tool: Tool, pools: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments the input schema allows, with no argument it does not name (the server
    refuses unknown arguments, though the schema does not say additionalProperties: false)."""
    fields = {name: field_values(name, schema, pools) for name, schema in tool.properties.items()}
    required = {name: fields.pop(name) for name in tool.required}
    return st.fixed_dictionaries(required, optional=fields)


def lenient(schema: dict[str, Any], value: Any) -> bool:
    """Whether the server reads ``value`` as a value the schema allows, as the SDK validates
    arguments: JSON text of an array, an object or null parsed first (its pre_parse_json), then
    pydantic in lax mode (a number in a string, 0 or "off" for false). Null is an argument left
    out (schemas.py drops the null branch of optional arguments). These readings mean what
    the caller meant; the one that does not, true for a number, the server refuses itself."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        value = value if isinstance(parsed, str | int | float) else parsed
    if value is None:
        return True
    adapter = LAX.get(schema.get("type", ""))
    try:
        return adapter is not None and _valid(schema, adapter.validate_python(value))
    except ValidationError:
        return False


@st.composite
def broken(draw: st.DrawFn, tool: Tool, pools: dict[str, list[str]]) -> Args:
    """Well-formed arguments with one thing wrong: a value of the wrong type or out of range,
    an unknown argument, a required argument left out."""
    values = draw(well_formed(tool, pools))
    properties = tool.properties
    ways = ["unknown argument"]
    if tool.required:
        ways.append("missing argument")
    if properties:
        ways.append("value the schema refuses")
    numbers = [name for name, schema in properties.items() if schema.get("type") == "integer"]
    if numbers:
        ways.append("number out of range")
    way = draw(st.sampled_from(ways))
    if way == "unknown argument":
        name = draw(st.text(min_size=1, max_size=20).filter(lambda n: n not in properties))
        values[name] = draw(JSON_VALUES)
        return Args(values, f"{way} {name!r}")
    if way == "missing argument":
        name = draw(st.sampled_from(tool.required))
        values.pop(name, None)
        return Args(values, f"{way} {name!r}")
    if way == "number out of range":
        name = draw(st.sampled_from(numbers))
        schema = properties[name]
        outside = [st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x % 1 != 0)]
        outside.append(st.integers(max_value=schema.get("minimum", 0) - 1))
        if "maximum" in schema:
            outside.append(st.integers(min_value=schema["maximum"] + 1))
        outside.append(st.sampled_from([2**63, 2**64 + 1, -(2**63) - 1, 10**30]))
        values[name] = draw(st.one_of(outside).filter(lambda v: not _valid(schema, v)))
        return Args(values, f"{way}: {name}")
    name = draw(st.sampled_from(sorted(properties)))
    schema = properties[name]
    value = draw(JSON_VALUES.filter(lambda v: not _valid(schema, v)))
    values[name] = value
    return Args(values, f"{way}: {name}", lenient=lenient(schema, value))


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema).is_valid(value)


def arguments(tool: Tool, pools: dict[str, list[str]]) -> st.SearchStrategy[Args]:
    return weighted((2, st.builds(Args, well_formed(tool, pools))), (1, broken(tool, pools)))


# -- the invariants -------------------------------------------------------------------------


def problems_with(tool: Tool, args: Args, result: Any) -> list[str]:
    """What is wrong with a tool's result (nothing, when the house rule holds)."""
    text = text_of(result)
    if not result.is_error:
        problems = []
        if args.breach and not args.lenient:
            problems.append(f"arguments with a {args.breach} were taken")
        if not text:
            problems.append("a success without text content")
        if result.structured_content is None:
            problems.append("a success without structured content")
        elif tool.output is not None:
            validator = Draft202012Validator(tool.output)
            problems += [
                f"structured content breaks the output schema: {error.message[:200]}"
                for error in validator.iter_errors(result.structured_content)
            ]
        return problems
    if not text.strip():
        return ["an error without a message"]
    if CRASHED.search(text):
        return [f"the tool crashed: {text[:300]!r}"]
    if RAW.search(text):
        return [f"an error shown as a Python exception: {text[:300]!r}"]
    if CONTROL.search(text):
        return [f"an error with a raw control character: {text[:300]!r}"]
    return []


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """hypothesis keeps caches (of constants, of Unicode data) in ./.hypothesis even with no
    example database: in a temporary folder instead, not in the clone (hypothesis_jsonschema
    is imported after this, as its import writes one)."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="module")
def seeded(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The seeded state before the fuzzer starts, and again after it (it leaves anything)."""
    sandbox.reset()
    yield sandbox
    sandbox.reset()


@pytest.fixture(scope="module")
def fuzzed(seeded: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StdioServer]:
    """One server for the module, with every plugin (the cache too: its tool is fuzzed) and a
    limiter that never throttles; playback on the laptop, so player commands go deep."""
    home = tmp_path_factory.mktemp("fuzz-home")
    limiter = {name: value for name, value in UNCACHED.items() if "LIMITER" in name}
    with StdioServer(env={**sandbox_env(seeded), **limiter}, home=home) as running:
        running.call_ok("playback_transfer", device_id=devices()[0])
        running.call_ok("playback_start", context=uri("playlist", DEEP_FOCUS_PLAYLIST))
        yield running


@pytest.fixture(scope="module")
def tools(fuzzed: StdioServer) -> dict[str, Tool]:
    return {t.name: Tool(t.name, t.input_schema, t.output_schema) for t in fuzzed.list_tools()}


@pytest.fixture(scope="module")
def pools(seeded: Sandbox) -> dict[str, list[str]]:
    return {**seeded_references(seeded), "device_id": devices(), "image": images()}


def tool_names() -> list[str]:
    """Every tool the server offers the premium user (test_every_tool_is_fuzzed checks).
    Read at collection, before any fixture isolates SPOTIFY_MCP_HOME: no config file, as the
    server's new home has none."""
    from spotify_mcp.app import App

    return sorted(spec.name for spec in App.create(config_file=os.devnull).tools)


# -- the tests --------------------------------------------------------------------------------


def test_every_tool_is_fuzzed(tools: dict[str, Tool]) -> None:
    assert sorted(tools) == tool_names()


@pytest.mark.parametrize("name", tool_names())
def test_any_arguments_get_a_result_or_a_clear_error(
    fuzzed: StdioServer, tools: dict[str, Tool], pools: dict[str, list[str]], name: str
) -> None:
    tool = tools[name]

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(args=arguments(tool, pools))
    def call(args: Args) -> None:
        result = fuzzed.call(name, args.values)
        problems = problems_with(tool, args, result)
        assert not problems, f"{name}({json.dumps(args.values)[:400]}): {'; '.join(problems)}"

    call()


def test_the_server_keeps_serving_after_the_fuzzing(fuzzed: StdioServer) -> None:
    """Over the connection the fuzzer used, so by the same process: a stdio server that
    exited could not answer on it."""
    info = fuzzed.call_ok("server_info")
    assert info["login"] == "user" and not info["failed"]
    assert "Traceback" not in fuzzed.log_text()
