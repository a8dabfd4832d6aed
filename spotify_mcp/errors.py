"""Errors a tool call can meet, each with a message a language model can act on.

Tools and middleware raise :class:`SpotifyMCPError` subclasses; :func:`explain` turns any
exception met during a tool call (ours, spotipy's, a transport failure) into one clear
sentence for the tool result. Messages never contain tokens.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from spotify_mcp.pipeline import ConnectError, ConnectionLost, RequestTimeout, Response

if TYPE_CHECKING:
    from pydantic import ValidationError

_RESTRICTED = "Restriction violated"  # Spotify's 403 message for a refused player command
# Spotify's 403 for an account a Development Mode app has not been given: "User not registered
# in the Developer Dashboard", "Check settings on developer.spotify.com/dashboard, the user
# may not be registered."
_NOT_REGISTERED = re.compile(r"not (be )?registered", re.IGNORECASE)
_PLAIN_NAME = re.compile(r"[\w.-]+")
_DEVICE_HINT = (
    "Call playback_devices to list the user's devices, then playback_transfer to make one "
    "active (or pass device_id to the command). The Spotify app must be open on that device."
)

#: For an unknown item among catalog items: which one, one call finds out.
WHICH_ARE_MISSING = (
    "Check each ID, URI or URL: search_get_items marks which are missing, and search finds "
    "the right one."
)


class SpotifyMCPError(Exception):
    """Base class: ``str(error)`` is the actionable message shown to the model."""


class InvalidInput(SpotifyMCPError):
    """The arguments are wrong in a way validation could not see (e.g. an album where a
    track is expected). Raised before any request is sent."""


class LoginRequired(SpotifyMCPError):
    """No usable credentials: the user must log in."""

    def __init__(self, detail: str = "Not logged in to Spotify.") -> None:
        super().__init__(
            f"{detail} Run `spotify-mcp auth login` in a terminal, "
            "or start the server with `spotify-mcp serve --sandbox` to try it without an account."
        )


class RetryLater(SpotifyMCPError):
    """Spotify (or our own guard) asks us to wait; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = retry_after
        # Rounded up, and at least 1: "0 s" would invite an immediate retry that fails again.
        super().__init__(f"{message} Try again in {max(1, math.ceil(retry_after))} s.")


class RateLimited(RetryLater):
    """Spotify answered 429 and the wait is longer than we are willing to block."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("Spotify's rate limit was reached.", retry_after)


class CircuitOpen(RetryLater):
    """Calls to an endpoint family are paused after repeated failures."""

    def __init__(self, family: str, retry_after: float) -> None:
        self.family = family
        super().__init__(
            f"Spotify's {family} endpoints failed repeatedly, so calls to them are paused.",
            retry_after,
        )


class PartlyDone(SpotifyMCPError):
    """A change made of several requests failed part way. The message says what was done
    (maybe nothing), so the model neither repeats it (duplicate playlist items) nor assumes
    the rest, then why the rest failed, then ``advice`` on finishing it."""

    def __init__(self, done: str, error: BaseException, advice: str = "") -> None:
        super().__init__(f"{done}. {explain(error)}{advice}")


class MaybeMade(SpotifyMCPError):
    """A request sent again after an attempt that may have been applied (a server error, a
    lost answer) then failed for a reason that alone would say it was not (the breaker
    opened, the rate limit, no connection): ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        super().__init__(
            f"{explain(error)} An earlier attempt failed after reaching Spotify, so the change "
            "may or may not have been made."
        )


def may_have_been_made(failure: BaseException | Response) -> bool:
    """Whether a change that failed with ``failure`` (an error, or Spotify's error answer) may
    have been made all the same: its answer was lost (a timeout, a dropped connection) or was
    a server error, which Spotify can send after making the change."""
    if isinstance(failure, ConnectionLost | RequestTimeout | MaybeMade):
        return True
    status = getattr(failure, "http_status", getattr(failure, "status", None))
    return isinstance(status, int) and status >= 500


@contextmanager
def partly_done(done: str, anything_done: bool) -> Iterator[None]:
    """Around one step of a change made of several requests: when the step fails after
    earlier ones went through, raise :class:`PartlyDone` saying ``done``; when nothing was done
    yet, let the error through as it is."""
    try:
        yield
    except Exception as error:
        if not anything_done:
            raise
        raise PartlyDone(done, error) from error


@contextmanager
def answered(
    status: int,
    becomes: Callable[[Exception], Exception],
    when: Callable[[str], bool] = lambda _: True,
) -> Iterator[None]:
    """Spotify's answer ``status`` (its message passing ``when``) raised as ``becomes(it)``:
    a tool's own explanation of an answer only it can read right."""
    try:
        yield
    except Exception as error:
        if getattr(error, "http_status", None) != status or not when(
            str(getattr(error, "msg", ""))
        ):
            raise
        raise becomes(error) from error


def explain(error: BaseException) -> str:
    """One actionable sentence for any error met during a tool call."""
    if isinstance(error, SpotifyMCPError):
        return str(error)
    if isinstance(error, ConnectError):
        return f"Could not connect to Spotify ({error}). Check the network and try again."
    if isinstance(error, ConnectionLost | RequestTimeout):
        return (
            f"The connection to Spotify failed before an answer arrived ({error}). "
            "The change may or may not have been made: read the current state before retrying."
        )
    status = getattr(error, "http_status", None)
    if isinstance(status, int):  # spotipy.SpotifyException, without importing spotipy here
        return explain_http(status, _spotify_message(error), getattr(error, "reason", None))
    return f"Unexpected error: {type(error).__name__}"


def refused_in_state(error: BaseException) -> bool:
    """Spotify's 403 for a player command the current state does not allow (pausing what is
    paused, resuming with nothing loaded)."""
    status = getattr(error, "http_status", None)
    return status == 403 and _RESTRICTED in _spotify_message(error)


def explain_arguments(tool: str, error: ValidationError) -> str:
    """Bad tool arguments, one clause per argument in the input schema's terms: no pydantic
    class names, Python types or documentation links, which only distract a model."""
    problems = []
    found = error.errors(include_url=False)
    for problem in found:
        where = ".".join(str(part) for part in problem["loc"])
        kind = problem["type"]
        if kind == "too_short" and _an_item_failed(problem["loc"], found):
            continue  # pydantic counts the failed items out, then finds the list too short
        if kind == "missing":
            what = "missing"
        elif kind == "value_error":  # our validators' messages already name the input
            what = str(problem["ctx"]["error"])
        else:
            what = "should be an array" if kind in ("list_type", "tuple_type") else problem["msg"]
            what = f"{what[0].lower()}{what[1:]} (got {_shown(problem['input'])})"
        problems.append(f"{where}: {what}")
    return f"Invalid arguments for {tool}: {listed(problems, '; ')}."


def _an_item_failed(loc: tuple[int | str, ...], found: list[Any]) -> bool:
    return any(len(p["loc"]) > len(loc) and p["loc"][: len(loc)] == loc for p in found)


def listed(parts: list[str], separator: str = ", ", most: int = 5) -> str:
    """The first ``most`` of ``parts`` joined, then how many more: a thousand bad items make
    one short message."""
    shown_parts = parts if len(parts) <= most else [*parts[:most], f"and {len(parts) - most} more"]
    return separator.join(shown_parts)


def clipped(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters: user input quoted in a message stays short."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def named(name: str) -> str:
    """A name the client sent (an argument's), clipped: as it is when it reads as a name,
    else as a JSON string, so an empty name, spaces or a control character stay visible."""
    return clipped(name if _PLAIN_NAME.fullmatch(name) else json.dumps(name, ensure_ascii=False))


def _shown(value: Any) -> str:
    return clipped(json.dumps(value, ensure_ascii=False, default=str), 40)


def _spotify_message(error: Any) -> str:
    # spotipy puts "<url>:\n <message>" in msg; the URL is noise for a model.
    msg = str(getattr(error, "msg", "") or "")
    return msg.split(":\n", 1)[-1].strip() or "no details"


def no_such_device(error: BaseException) -> bool:
    """Whether Spotify answered 404 for the device a command names ("Device not found"), not
    for an item it names."""
    return getattr(error, "http_status", None) == 404 and _about_a_device(_spotify_message(error))


def _about_a_device(message: str) -> bool:
    return "device" in message.lower()


def names_no_item(message: str) -> bool:
    """Whether Spotify's 400 ``message`` says the body names an item it has none for."""
    return "non-existing id" in message.lower()


def explain_http(status: int, message: str, reason: str | None = None) -> str:
    """One actionable sentence for a Spotify Web API error answer (status, its message and
    reason)."""
    if reason == "NO_ACTIVE_DEVICE":
        return f"No active Spotify device. {_DEVICE_HINT}"
    if reason == "PREMIUM_REQUIRED":
        return "This needs Spotify Premium: the logged-in user has a free account."
    if reason == "VOLUME_CONTROL_DISALLOW":
        return "This device does not let its volume be set (playback_devices shows which do)."
    if status == 403 and _RESTRICTED in message:
        return (
            "Spotify refused this player command in the current state (e.g. resuming or "
            "skipping with nothing loaded). playback_state shows the state; to start "
            "something, pass items or context to playback_start."
        )
    if status == 400 and names_no_item(message):
        return f"An item given does not exist ({message.rstrip('.')}). {WHICH_ARE_MISSING}"
    if status == 400:
        return f"Spotify rejected the request as invalid: {message.rstrip('.')}."
    if status == 401:
        return (
            f"Spotify rejected the access token ({message}). "
            "Run `spotify-mcp auth login` to log in again."
        )
    if status == 403 and _NOT_REGISTERED.search(message):
        return (
            f"Spotify refused this account ({message.rstrip('.')}): the Spotify app is in "
            "Development Mode and the account is not one of its users. Add the account's email "
            "under User Management in the app's settings on developer.spotify.com/dashboard "
            "(Development Mode also needs the app's owner to have Premium), then try again."
        )
    if status == 403:
        return (
            f"Spotify refused this ({message}). The user may not own the item (only a "
            "playlist's owner or collaborators can change it), or the login lacks a scope: "
            "`spotify-mcp auth status` shows which."
        )
    if status == 404 and _about_a_device(message):
        return f"Not found ({message}). Pass a device ID that playback_devices lists."
    if status == 404:
        return f"Not found ({message}). Check the ID, URI or URL; search can find the right one."
    if status == 429:
        return "Spotify's rate limit was reached. Wait a little and try again."
    if status >= 500:
        return f"Spotify had an internal problem (HTTP {status}: {message}). Try again shortly."
    return f"Spotify answered HTTP {status}: {message}."
