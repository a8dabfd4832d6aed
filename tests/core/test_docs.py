"""The README documents every hook and each of its arguments (datasette's habit)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import tomllib
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


def _block(marker: str, language: str) -> str:
    """The README code block of ``language`` whose first line is ``marker``."""
    start = README.read_text().index(f"```{language}\n{marker}\n") + len(language) + 4
    return README.read_text()[start:].split("```", 1)[0]


def test_the_plugin_guide_pack_passes_the_guide_test(tmp_path: Path) -> None:
    """The guide's example pack, installed as its pyproject.toml says, passes the guide's test
    of it: both work as a plugin author copies them."""
    project = tomllib.loads(_block("# pyproject.toml of spotify-mcp-hello", "toml"))["project"]
    site = tmp_path / "site"
    site.mkdir()
    (site / "spotify_mcp_hello.py").write_text(_block("# spotify_mcp_hello.py", "python"))
    info = site / f"spotify_mcp_hello-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    points = project["entry-points"]["spotify_mcp"].items()
    (info / "entry_points.txt").write_text(
        "[spotify_mcp]\n" + "".join(f"{name} = {module}\n" for name, module in points)
    )
    guide_test = tmp_path / "test_hello.py"
    guide_test.write_text(
        _block("# tests/test_hello.py of spotify-mcp-hello: pip install -e . pytest", "python")
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(guide_test)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
