"""Helpers for core tests: a third-party plugin pack installed the way pip installs one (a
module plus a ``*.dist-info`` directory with real entry-point metadata), and an App that sees
only the plugins a test registers."""

from __future__ import annotations

import textwrap
from pathlib import Path

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


def core_app(overrides: dict | None = None, **kwargs) -> App:
    """An App with only the core's own plugin from entry points (plus ``inline_plugins``), so a
    test sees exactly the plugins it registers."""
    from importlib.metadata import entry_points

    from spotify_mcp.plugins import ESSENTIAL, GROUP

    others = sorted(set(entry_points(group=GROUP).names) - ESSENTIAL)
    return App.create({**(overrides or {}), "plugins": {"disabled": others}}, **kwargs)
