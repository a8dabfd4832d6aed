"""Auth fixtures: a test plugin installed with real entry-point metadata, and a home
pointed at the sandbox, before and after ``auth login``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from authkit import Setup, setup_env

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

PROBE = Path(__file__).with_name("authprobe_plugin.py")


@pytest.fixture(scope="session")
def probe_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site dir holding the ``authprobe`` plugin, as pip would install it."""
    site = tmp_path_factory.mktemp("authprobe-site")
    shutil.copy(PROBE, site / PROBE.name)
    info = site / "spotify_mcp_authprobe-0.1.dist-info"
    info.mkdir()
    metadata = "Metadata-Version: 2.1\nName: spotify-mcp-authprobe\nVersion: 0.1\n"
    (info / "METADATA").write_text(metadata)
    (info / "entry_points.txt").write_text(f"[spotify_mcp]\nauthprobe = {PROBE.stem}\n")
    return site


@pytest.fixture
def setup(fresh_sandbox: Sandbox, tmp_path: Path, probe_site: Path) -> Setup:
    home = tmp_path / "auth-home"
    return Setup(fresh_sandbox, home, setup_env(fresh_sandbox, home, probe_site))


@pytest.fixture
def logged_in(setup: Setup) -> Setup:
    """``setup`` after a successful ``auth login``."""
    assert setup.login().returncode == 0
    return setup
