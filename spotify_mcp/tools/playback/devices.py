"""The user's devices: listing them, and naming them in errors when a command has none to
run on, or the one its device_id names is none of theirs (a device's name, as models pass
it, picks the device of that name)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, Field, StringConstraints

from spotify_mcp.errors import (
    InvalidInput,
    SpotifyMCPError,
    clipped,
    explain_http,
    listed,
    no_such_device,
)
from spotify_mcp.models import Payload
from spotify_mcp.names import has_words, squash

if TYPE_CHECKING:
    from spotify_mcp.session import Spotify


T = TypeVar("T")
NO_DEVICE = "NO_ACTIVE_DEVICE"  # Spotify's reason for a command with no device to run on


DeviceId = Annotated[str, StringConstraints(strip_whitespace=True), Field(min_length=1)]


class Device(BaseModel):
    id: str | None = None
    name: str
    type: str
    active: bool
    volume: int | None = None  # absent when it cannot be set

    @classmethod
    def of(cls, payload: Payload) -> Device:
        return cls(
            id=payload.get("id"),
            name=payload.get("name") or "",
            type=payload.get("type") or "",
            active=bool(payload.get("is_active")),
            volume=payload.get("volume_percent") if payload.get("supports_volume") else None,
        )


class Devices(BaseModel):
    devices: list[Device]


class NoActiveDevice(SpotifyMCPError):
    """Spotify's NO_ACTIVE_DEVICE, with the devices to choose from."""


class UnknownDevice(InvalidInput):
    """A device_id that names none of the user's devices."""


def naming_devices(command: Callable[..., T]) -> Callable[..., T]:
    """``command``, whose refusal for want of an active device, or of the device its
    device_id names, says which devices there are: the model recovers with one call (a
    transfer, or the command with a device_id), not two. A device's name passed for its ID,
    as models often do, runs the command on the one device of that name."""

    @functools.wraps(command)
    def run(**arguments: Any) -> T:
        try:
            return command(**arguments)
        except Exception as error:
            spotify, device_id = arguments["spotify"], arguments.get("device_id")
            if getattr(error, "reason", None) == NO_DEVICE:
                raise _no_active_device(spotify) from error
            if not device_id or not (isinstance(error, UnknownDevice) or no_such_device(error)):
                raise
            devices = devices_of(spotify)
            matching = called(device_id, devices or [])
            if len(matching) != 1 or matching[0].id in (None, device_id):
                raise not_a_device(device_id, devices, matching) from error
        # Refused for its device_id, the command did nothing: it runs again, on that device.
        return run(**{**arguments, "device_id": matching[0].id})

    return run


def called(name: str, devices: list[Device]) -> list[Device]:
    """The devices called ``name`` (case aside), else those whose names have its words
    ("living room" for "Living Room Speaker")."""
    exact = [device for device in devices if device.name.casefold() == name.casefold()]
    return exact or [d for d in devices if squash(name) and has_words(d.name, name)]


def devices_of(spotify: Spotify) -> list[Device] | None:
    """The user's devices, for an error to name or a name to pick; None when they cannot be
    read (the plain explanation says which tool lists them)."""
    try:
        return playback_devices(spotify).devices
    except Exception:
        return None


def _no_active_device(spotify: Spotify) -> NoActiveDevice:
    devices = devices_of(spotify)
    if devices is None:
        return NoActiveDevice(explain_http(404, "", NO_DEVICE))
    return choose_among(devices)


def choose_among(devices: list[Device]) -> NoActiveDevice:
    """No device is active: the error that names the ones to choose from."""
    named = _named(devices)
    if not named:
        return NoActiveDevice(
            "No active Spotify device, and no device has the Spotify app open: ask the "
            "user to open Spotify on one, then call playback_devices."
        )
    return NoActiveDevice(
        f"No active Spotify device. The user's devices: {named}. "
        "playback_transfer makes one active (or pass device_id to this command)."
    )


def not_a_device(
    device_id: str, devices: list[Device] | None, matching: Sequence[Device] = ()
) -> UnknownDevice:
    if len(matching) > 1:
        return UnknownDevice(
            f"{clipped(device_id)!r} fits several devices: {_named(matching)}; pass one's device_id"
        )
    if devices is None:
        known = "playback_devices lists them"
    else:
        known = _named(devices) or "none has the Spotify app open"
    return UnknownDevice(
        f"Not found: {clipped(device_id)!r} is none of the user's devices: {known}"
    )


def _named(devices: Sequence[Device]) -> str:
    return listed([f"{d.name} (device_id {d.id})" for d in devices if d.id])


def playback_devices(spotify: Spotify) -> Devices:
    """The user's devices with the Spotify app open: IDs, which is active, volume (absent:
    cannot be set)."""
    return Devices(devices=[Device.of(d) for d in spotify.devices().get("devices") or []])
