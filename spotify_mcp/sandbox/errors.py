"""Errors in Spotify's shapes: `{"error": {"status", "message", "reason"?}}` for the Web API,
`{"error", "error_description"}` for the accounts service."""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """A Web API error; handlers raise it, the endpoint layer renders it."""

    def __init__(
        self,
        status: int,
        message: str,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = headers or {}

    def body(self, *, flat: bool = False) -> bytes:
        return error_body(self.status, self.message, self.reason, flat=flat)


class OAuthError(Exception):
    """An accounts-service error (RFC 6749 section 5.2), always answered with 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> bytes:
        return json.dumps({"error": self.error, "error_description": self.description}).encode()


def error_body(
    status: int, message: str, reason: str | None = None, *, flat: bool = False
) -> bytes:
    """`{"error": ErrorObject}`; with `flat` the ErrorObject's fields are repeated at the top.

    openapi.yml documents the 400 of the /me/library operations as a bare ErrorObject while
    every other error is wrapped; the flat body satisfies both readings.
    """
    error: dict[str, Any] = {"status": status, "message": message}
    if reason:
        error["reason"] = reason
    return json.dumps({"error": error, **(error if flat else {})}).encode()


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str = "Resource not found") -> ApiError:
    return ApiError(404, message)


def forbidden(message: str = "Forbidden") -> ApiError:
    return ApiError(403, message)


INSUFFICIENT_SCOPE = "Insufficient client scope"


def player_error(status: int, message: str, reason: str) -> ApiError:
    """Player failures carry a `reason` (not in the spec's ErrorObject, but Spotify sends it)."""
    return ApiError(status, f"Player command failed: {message}", reason)


def no_active_device() -> ApiError:
    return player_error(404, "No active device found", "NO_ACTIVE_DEVICE")


def premium_required() -> ApiError:
    return player_error(403, "Premium required", "PREMIUM_REQUIRED")


def restricted() -> ApiError:
    return player_error(403, "Restriction violated", "UNKNOWN")
