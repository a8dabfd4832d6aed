"""Logging: the standard library's records (the SDK, uvicorn) come out through loguru on
stderr, named after their logger."""

from __future__ import annotations

import json
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


EMIT_JSON = """
import logging
from loguru import logger
from spotify_mcp.logs import setup_logging
setup_logging("INFO", "json")
logger.bind(tool="search").info("sent with Bearer abcdef123456")
try:
    raise ValueError("refresh_token=abcdef123456 rejected")
except ValueError:
    logging.getLogger("mcp.server.streamable_http").exception("Error handling POST request")
"""


def test_json_lines_carry_level_logger_extras_and_a_redacted_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EMIT_JSON], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == ""
    bound, failed = (json.loads(line) for line in done.stderr.splitlines())
    assert bound["message"] == "sent with Bearer <redacted>" and bound["tool"] == "search"
    assert bound["level"] == "INFO" and bound["time"].endswith("+00:00")
    assert failed["level"] == "ERROR" and failed["logger"] == "mcp.server.streamable_http"
    assert "ValueError: refresh_token=<redacted> rejected" in failed["exception"]
    assert "abcdef123456" not in done.stderr
