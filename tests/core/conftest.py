"""Fixtures for core tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_kit import BROKEN_PLUGIN, HELLO_PLUGIN, install_dist


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
