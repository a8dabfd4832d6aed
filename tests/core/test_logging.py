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
    raise ConnectionResetError("gone with Bearer abcdef123456")
except ConnectionResetError:
    logging.getLogger("mcp.server.streamable_http").exception("Error handling POST request")
"""


def test_a_stdlib_record_is_named_after_its_logger_on_stderr_only() -> None:
    done = subprocess.run([sys.executable, "-c", EMIT], capture_output=True, text=True, timeout=60)
    assert done.stdout == ""  # stdout is the MCP channel
    assert "ERROR   mcp.server.streamable_http: Error handling POST request" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr  # with its traceback,
    assert "ConnectionResetError: gone with Bearer <redacted>" in done.stderr  # redacted too
    assert "abcdef123456" not in done.stderr


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


EMIT_JSON_FIELDS = """
from loguru import logger
from spotify_mcp.logs import setup_logging
setup_logging("INFO", "json")
logger.info("refresh answered {status}: {body}", status=400, body="refresh_token=abcdef123456")
headers = {"a": "Bearer abcdef123456"}
logger.bind(message="access_token=abcdef123456", level="DEBUG", headers=headers).warning("sent")
logger.bind(ratio=float("nan"), ids=[1, 2]).info("odd values")
logger.info("Sigur R\u00f3s\u2028next line\u0085and another")
"""


def test_json_fields_are_redacted_and_never_replace_the_line_s_own() -> None:
    """A message's format arguments are bound fields too (loguru): a secret formatted into a
    message must not come back unredacted beside it, nor a field named like the line's own
    replace it (the message, redacted, or the level)."""
    done = subprocess.run(
        [sys.executable, "-c", EMIT_JSON_FIELDS], capture_output=True, text=True, timeout=60
    )
    # splitlines() splits at U+2028 and U+0085 too: the lines are ASCII, those escaped.
    formatted, bound, odd, unusual = (json.loads(line) for line in done.stderr.splitlines())
    assert unusual["message"] == "Sigur R\u00f3s\u2028next line\u0085and another"
    assert formatted["message"] == "refresh answered 400: refresh_token=<redacted>"
    assert formatted["status"] == 400 and formatted["body"] == "refresh_token=<redacted>"
    assert bound["message"] == "sent" and bound["level"] == "WARNING"
    assert "Bearer <redacted>" in bound["headers"]
    assert odd["ratio"] == "nan" and odd["ids"] == "[1, 2]"  # strict JSON: no NaN
    assert "abcdef123456" not in done.stderr
