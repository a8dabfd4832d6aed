"""Logging: the standard library's records (the SDK, uvicorn) come out through loguru on
stderr, named after their logger."""

from __future__ import annotations

import subprocess
import sys

EMIT = """
import logging
from spotify_mcp.logs import setup_logging
setup_logging()
try:
    raise ConnectionResetError("gone")
except ConnectionResetError:
    logging.getLogger("mcp.server.streamable_http").exception("Error handling POST request")
"""


def test_a_stdlib_record_is_named_after_its_logger_on_stderr_only() -> None:
    done = subprocess.run([sys.executable, "-c", EMIT], capture_output=True, text=True, timeout=60)
    assert done.stdout == ""  # stdout is the MCP channel
    assert "ERROR   mcp.server.streamable_http: Error handling POST request" in done.stderr
    assert "ConnectionResetError: gone" in done.stderr  # with its traceback
