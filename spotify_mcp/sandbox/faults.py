"""Fault injection rules: answer matching requests with an error, a delay or a dropped
connection, optionally after the request has taken effect (`apply`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any

RULE_KEYS = frozenset(
    {
        "method",
        "path",
        "status",
        "times",
        "retry_after",
        "latency_ms",
        "drop_connection",
        "apply",
        "message",
        "reason",
    }
)


class FaultError(ValueError):
    """A fault rule that cannot be used; the message says why."""


@dataclass(slots=True)
class FaultRule:
    id: int
    method: str  # "*" matches any method
    path: str  # a glob over the path, trailing slash removed, e.g. "/v1/playlists/*/items"
    status: int | None = None
    times: int | None = 1  # matching requests left to hit; None = forever
    retry_after: int | None = None  # seconds, sent as Retry-After
    latency_ms: int = 0
    drop_connection: bool = False
    apply: bool = False  # let the request take effect, then answer the fault instead
    message: str | None = None
    reason: str | None = None  # the error's `reason`, as player errors carry (NO_ACTIVE_DEVICE)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.times is None or self.times > 0)
            and self.method in ("*", method)
            and fnmatchcase(path, self.path)
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _int(data: dict[str, Any], key: str, low: int, high: int | None = None) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise FaultError(f"{key} must be an integer >= {low}")
    if high is not None and value > high:
        raise FaultError(f"{key} must be <= {high}")
    return value


def parse_rule(rule_id: int, data: Any) -> FaultRule:
    """A FaultRule from the JSON of `POST /_sandbox/faults`; FaultError when invalid."""
    if not isinstance(data, dict):
        raise FaultError("a fault rule is a JSON object")
    unknown = set(data) - RULE_KEYS
    if unknown:
        raise FaultError(f"unknown keys: {', '.join(sorted(unknown))}")
    path = data.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise FaultError("path must be a glob starting with /")
    method = data.get("method") or "*"
    if not isinstance(method, str):
        raise FaultError("method must be a string")
    drop, apply = data.get("drop_connection", False), data.get("apply", False)
    if not isinstance(drop, bool) or not isinstance(apply, bool):
        raise FaultError("drop_connection and apply must be booleans")
    message, reason = data.get("message"), data.get("reason")
    if any(text is not None and not isinstance(text, str) for text in (message, reason)):
        raise FaultError("message and reason must be strings")
    rule = FaultRule(
        rule_id,
        method.upper(),
        path.rstrip("/") or "/",
        status=_int(data, "status", 400, 599),
        times=_int(data, "times", 1) if "times" in data else 1,
        retry_after=_int(data, "retry_after", 0),
        latency_ms=_int(data, "latency_ms", 0) or 0,
        drop_connection=drop,
        apply=apply,
        message=message,
        reason=reason,
    )
    if rule.status is None and not rule.drop_connection and not rule.latency_ms:
        raise FaultError("a rule needs a status, drop_connection or latency_ms")
    if rule.apply and rule.status is None and not rule.drop_connection:
        raise FaultError("apply needs a status or drop_connection (the response it replaces)")
    return rule


@dataclass(slots=True)
class FaultStore:
    rules: list[FaultRule] = field(default_factory=list)
    next_id: int = 1

    def add(self, data: Any) -> FaultRule:
        rule = parse_rule(self.next_id, data)
        self.next_id += 1
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first rule matching this request, with one of its `times` used up."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.hits += 1
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()
