"""The design rules every tool follows (issue 4): described, annotated, typed results; the
tools together reach every current Web API operation; each tool's declared endpoints are the
ones it really calls; and the README's operations table is the one the code generates."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from stdio_server import StdioServer
from toolkit import current_operations, operations_file, operations_hit

from spotify_mcp.app import App
from spotify_mcp.inventory import operations_table
from spotify_mcp.server import build_server

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_START, TABLE_END = "<!-- operations-table:start -->", "<!-- operations-table:end -->"
#: Plugins whose tools must each have sample calls below (the endpoints check).
CHECKED_PLUGINS = ("search", "library")


@pytest.fixture
def app() -> App:
    return App.create()


def listed_tools(app: App) -> list[Any]:
    return asyncio.run(build_server(app).list_tools())


#: What an absent hint means, per the MCP spec.
HINT_DEFAULTS = {"read_only": False, "destructive": True, "idempotent": False, "open_world": True}


def effective_hints(tool: Any) -> dict[str, bool]:
    hints = tool.annotations
    assert hints is not None, f"{tool.name}: no annotations"
    given = {
        "read_only": hints.read_only_hint,
        "destructive": hints.destructive_hint,
        "idempotent": hints.idempotent_hint,
        "open_world": hints.open_world_hint,
    }
    effective = {k: HINT_DEFAULTS[k] if v is None else v for k, v in given.items()}
    if effective["read_only"]:  # destructive and idempotent mean nothing for a read-only tool
        effective.update(destructive=False, idempotent=True)
    return effective


def test_every_tool_is_described_annotated_and_typed(app: App) -> None:
    problems = []
    specs = {spec.name: spec for spec in app.tools}
    for tool in listed_tools(app):
        spec = specs[tool.name]
        declared = {
            "read_only": spec.read_only,
            "destructive": spec.destructive,
            "idempotent": spec.idempotent,
            "open_world": spec.open_world,
        }
        if not tool.title or not (tool.description or "").strip():
            problems.append(f"{tool.name}: no title or description")
        if effective_hints(tool) != declared:
            problems.append(f"{tool.name}: annotations {effective_hints(tool)} != {declared}")
        if not tool.output_schema or tool.output_schema.get("type") != "object":
            problems.append(f"{tool.name}: no output schema")
        for name, schema in tool.input_schema.get("properties", {}).items():
            if schema.get("type") == "integer" and "minimum" not in schema:
                problems.append(f"{tool.name}: integer parameter {name} has no bounds")
    for spec in app.tools:
        if spec.open_world and not spec.endpoints:
            problems.append(f"{spec.name}: reaches Spotify but declares no endpoints")
    assert not problems, "\n".join(problems)


def test_every_current_operation_is_reachable(app: App) -> None:
    declared = {operation for spec in app.tools for operation in spec.endpoints}
    current = set(current_operations())
    assert len(current) == 49, f"{operations_file()} should list 49 current operations"
    missing = sorted(current - declared)
    assert not missing, (
        f"{len(missing)} of the 49 current operations are reachable by no tool "
        f"(declare them in a tool's endpoints=[...]):\n" + "\n".join(missing)
    )


def test_no_tool_declares_an_unknown_or_removed_operation(app: App) -> None:
    current = set(current_operations())
    wrong = [
        f"{spec.name}: {operation}"
        for spec in app.tools
        for operation in spec.endpoints
        if operation not in current
    ]
    assert not wrong, "not a current operation of operations.tsv:\n" + "\n".join(wrong)


def test_readme_holds_the_generated_operations_table(app: App) -> None:
    text = README.read_text()
    match = re.search(f"{re.escape(TABLE_START)}\n(.*?){re.escape(TABLE_END)}", text, re.S)
    assert match, f"README.md needs the table between {TABLE_START} and {TABLE_END}"
    assert match.group(1) == operations_table(app), (
        "README.md's operations table is stale; regenerate it with "
        "spotify_mcp.inventory.operations_table(App.create())"
    )


# -- declared endpoints are the ones called -------------------------------------------------


def sample_calls(sandbox: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """Calls that together reach every endpoint each checked tool declares."""
    catalog = sandbox.runtime.catalog

    def one(kind: str, table: dict[str, Any]) -> str:
        return f"spotify:{kind}:{next(iter(table))}"

    album, artist = one("album", catalog.albums), one("artist", catalog.artists)
    show, book = one("show", catalog.shows), one("audiobook", catalog.audiobooks)
    track = one("track", catalog.tracks)
    lookups = [track, album, artist, show, one("episode", catalog.episodes), book]
    return {
        "search": [{"query": "a", "types": ["track", "album", "artist", "playlist"]}],
        "search_get_items": [{"refs": [*lookups, one("chapter", catalog.chapters)]}],
        "search_list_contents": [{"ref": ref} for ref in (album, artist, show, book)],
        "library_list_saved": [
            {"kind": kind} for kind in ("track", "album", "show", "episode", "audiobook", "artist")
        ],
        "library_save": [{"refs": [track, artist]}],
        "library_remove": [{"refs": [track, artist]}],
        "library_remove_saved": [
            {"kind": kind, "added_before": "2026-01-01"}
            for kind in ("track", "album", "show", "episode", "audiobook")
        ],
        "library_contains": [{"refs": [track, artist]}],
        "library_list_top": [{"kind": "artist"}, {"kind": "track"}],
        "library_get_profile": [{}],
    }


def test_every_checked_tool_has_sample_calls(app: App, sandbox: Sandbox) -> None:
    checked = {spec.name for spec in app.tools if spec.plugin in CHECKED_PLUGINS}
    assert checked == set(sample_calls(sandbox))


@pytest.mark.parametrize(
    "tool",
    [
        "search",
        "search_get_items",
        "search_list_contents",
        "library_list_saved",
        "library_save",
        "library_remove",
        "library_remove_saved",
        "library_contains",
        "library_list_top",
        "library_get_profile",
    ],
)
def test_declared_endpoints_are_the_ones_called(
    app: App, uncached: StdioServer, sb: Sandbox, tool: str
) -> None:
    spec = app.tools.get(tool)
    assert spec is not None
    declared, reached = set(spec.endpoints), set()
    for args in sample_calls(sb)[tool]:
        _, hit = operations_hit(sb, lambda args=args: uncached.call_ok(tool, args))
        assert set(hit) <= declared, f"{tool}({args}) called undeclared {set(hit) - declared}"
        reached |= set(hit)
    assert reached == declared, f"{tool} declares {declared - reached} but never called them"
