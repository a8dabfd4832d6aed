"""The README documents every hook and each of its arguments (datasette's habit)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from spotify_mcp import hookspecs

README = Path(__file__).parents[2] / "README.md"
HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "spotify_mcp_spec")
]


def test_there_are_hooks_to_document() -> None:
    assert len(HOOKS) >= 10


@pytest.mark.parametrize(("name", "spec"), HOOKS, ids=[name for name, _ in HOOKS])
def test_hook_is_documented_in_the_plugin_author_guide(name: str, spec) -> None:
    guide = README.read_text().split("## Writing a plugin", 1)
    assert len(guide) == 2, "README.md needs a '## Writing a plugin' section"
    section = guide[1]
    signature = f"{name}({', '.join(inspect.signature(spec).parameters)})"
    assert f"`{signature}`" in section, f"document {signature} in the plugin-author guide"
    assert spec.__doc__, f"hookspec {name} needs a docstring"


def test_ci_runs_the_quickstart_test_command_verbatim() -> None:
    quickstart = README.read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [block.split("```", 1)[0].strip() for block in quickstart.split("```sh\n")[1:3]]
    assert len(commands) == 2 and "serve --sandbox" in commands[0]
    ci = (README.parent / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), "CI must run the README's test command verbatim"
