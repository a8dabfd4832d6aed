"""A third-party plugin pack installed the way pip installs one: a module plus a
``*.dist-info`` directory with real entry-point metadata, on a path we control."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from spotify_mcp.app import App

HELLO_PLUGIN = '''
"""A third-party plugin: one greeting tool, and a tool that proves calls run concurrently."""
import threading

from pydantic import BaseModel

from spotify_mcp import hookimpl

_rendezvous = threading.Barrier(2, timeout=20)


class Greeting(BaseModel):
    text: str


def hello_greet(name: str) -> Greeting:
    """Greet someone by name."""
    return Greeting(text=f"Hello, {name}!")


def hello_rendezvous() -> Greeting:
    """Return once a second call is waiting too: succeeds only when calls overlap."""
    _rendezvous.wait()
    return Greeting(text="met")


@hookimpl
def register_tools(registry):
    registry.add(hello_greet, title="Greet", read_only=True, open_world=False)
    registry.add(hello_rendezvous, title="Rendezvous", read_only=True, open_world=False)
'''

BROKEN_PLUGIN = """
raise RuntimeError("boom: this plugin cannot be imported")
"""


def install_dist(site: Path, dist: str, version: str, modules: dict[str, str]) -> None:
    """Write ``modules`` and a dist-info that declares each as a ``spotify_mcp`` plugin."""
    site.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    points = "".join(f"{m.removesuffix('_plugin')} = {m}\n" for m in modules)
    (info / "entry_points.txt").write_text(f"[spotify_mcp]\n{points}")


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Installs ``spotify-mcp-hello`` (plugin ``hello``) and ``spotify-mcp-broken``
    (plugin ``broken``), for this process and for subprocesses (PYTHONPATH)."""
    site = tmp_path / "site"
    install_dist(site, "spotify-mcp-hello", "1.2.3", {"hello_plugin": HELLO_PLUGIN})
    install_dist(site, "spotify-mcp-broken", "0.0.1", {"broken_plugin": BROKEN_PLUGIN})
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    yield site
    for name in ("hello_plugin", "broken_plugin"):
        sys.modules.pop(name, None)


def core_app(overrides: dict | None = None, **kwargs) -> App:
    """An App with only the core's own plugin from entry points (plus ``inline_plugins``), so a
    test sees exactly the plugins it registers."""
    from importlib.metadata import entry_points

    from spotify_mcp.plugins import ESSENTIAL, GROUP

    others = sorted(set(entry_points(group=GROUP).names) - ESSENTIAL)
    return App.create({**(overrides or {}), "plugins": {"disabled": others}}, **kwargs)
