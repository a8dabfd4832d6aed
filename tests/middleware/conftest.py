"""Fixtures for the middleware tests (helpers live in faultkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from faultkit import SandboxAdmin

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox


@pytest.fixture
def admin(sandbox: Sandbox) -> Iterator[SandboxAdmin]:
    """The sandbox's admin API, with no faults and an empty request log before and after."""
    admin = SandboxAdmin(sandbox.base_url)
    admin.clear()
    yield admin
    admin.clear()  # a leftover fault would break the next module's tests
