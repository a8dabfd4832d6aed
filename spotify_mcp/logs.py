"""Logging: loguru to stderr only (stdout is the MCP channel), with secrets redacted.

Standard-library logging (spotipy, urllib3, uvicorn, the mcp SDK) is routed through loguru
so every line passes the same redaction, tracebacks too, which never show local variables.
Lines are text for a person, or one JSON object each for a log shipper (``log_format =
"json"``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import traceback
from datetime import UTC
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from loguru import Message, Record

_SECRETS = re.compile(
    r"(?P<key>Bearer\s+|Basic\s+|(?:access_token|refresh_token|client_secret|code_verifier|code)"
    r"""['"]?\s*[:=]\s*['"]?)(?P<value>[A-Za-z0-9._~+/=\-]{6,})""",
    re.IGNORECASE,
)
_FORMAT = "<green>{time:HH:mm:ss.SSS}</green> <level>{level: <7}</level> {name}: {message}"


def redact(text: str) -> str:
    """Replace anything that looks like a token or secret with ``<redacted>``."""
    return _SECRETS.sub(lambda m: m.group("key") + "<redacted>", text)


def _patch(record: Record) -> None:
    record["message"] = redact(record["message"])


class _InterceptHandler(logging.Handler):
    """Hands standard-library log records to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno

        def named(loguru_record: Record) -> None:  # after the stdlib logger, at any depth
            loguru_record["name"] = record.name

        logger.patch(named).opt(exception=record.exc_info).log(level, record.getMessage())


def _traceback(record: Record) -> str:
    """The record's traceback, redacted: an exception's text may hold what a message would."""
    assert record["exception"] is not None
    kind, error, trace = record["exception"]
    return redact("".join(traceback.format_exception(kind, error, trace)))


def _text_format(record: Record) -> str:
    """The text line, and the traceback (loguru's own is not redacted) when there is one."""
    if record["exception"] is None:
        return _FORMAT + "\n"
    record["extra"]["_traceback"] = _traceback(record)
    return _FORMAT + "\n{extra[_traceback]}"


def _json_line(message: Message) -> None:
    """One JSON object a line: UTC time, level, logger, message, the traceback when there is
    one, and any bound fields, all redacted."""
    record = message.record
    line: dict[str, Any] = {
        "time": record["time"].astimezone(UTC).isoformat(timespec="milliseconds"),
        "level": record["level"].name,
        "logger": record["name"],
        "message": record["message"],
    }
    if record["exception"] is not None:
        line["exception"] = _traceback(record)
    # Bound fields, and a message's format arguments (loguru binds those too): after the
    # line's own, which they never replace.
    for name, value in record["extra"].items():
        line.setdefault(name, _field(value))
    # ASCII: a U+2028 or U+0085 in a message would split the line for some readers.
    sys.stderr.write(json.dumps(line) + "\n")


def _field(value: Any) -> Any:
    """A bound value as a JSON line shows it: a number, boolean or null as it is, anything else
    as its text, redacted like the message (a secret formatted into it is bound too)."""
    if (
        value is None
        or isinstance(value, bool | int)
        or (isinstance(value, float) and math.isfinite(value))
    ):
        return value
    return redact(value if isinstance(value, str) else str(value))


def setup_logging(level: str = "INFO", log_format: str = "text") -> None:
    logger.remove()
    logger.configure(patcher=_patch)
    if log_format == "json":
        logger.add(_json_line, level=level.upper(), backtrace=False, diagnose=False)
    else:
        logger.add(
            sys.stderr, level=level.upper(), format=_text_format, backtrace=False, diagnose=False
        )
    logging.basicConfig(handlers=[_InterceptHandler()], level=0, force=True)
    # spotipy logs each HTTP error itself; we explain errors once, per tool call.
    logging.getLogger("spotipy").setLevel(logging.CRITICAL)
    # mcp.server.streamable_http logs each stateless request ending, at INFO.
    for noisy in ("urllib3", "httpx2", "httpcore2", "uvicorn.access", "mcp.server.streamable_http"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
