"""The request pipeline: every Spotify Web API request passes through plugin middleware.

A middleware is any object with a ``name``, a numeric ``order`` and
``__call__(request, call_next) -> Response``. Lower ``order`` runs further out:
the first middleware sees the request first and the response last. The innermost
``call_next`` is the transport, which adds the access token and sends the request.

The transport raises :class:`ConnectError` when the request never left this machine,
:class:`ConnectionLost` or :class:`RequestTimeout` when it may have reached Spotify.
Only the first proves a non-idempotent request (adding playlist items) was not processed.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from loguru import logger

#: Path segments followed by a Spotify ID: the ID becomes ``{id}`` in :attr:`Request.endpoint`.
_ID_PARENTS = frozenset(
    {
        "albums",
        "artists",
        "tracks",
        "shows",
        "episodes",
        "audiobooks",
        "chapters",
        "playlists",
        "users",
        "categories",
        "audio-features",
        "audio-analysis",
    }
)
_PLAYER_PREFIX = "/me/player"
#: The user's library: /me/library (saving any kind), then the saved lists, follows and top.
LIBRARY_PATHS = (
    "/me/library",
    "/me/tracks",
    "/me/albums",
    "/me/shows",
    "/me/episodes",
    "/me/audiobooks",
    "/me/following",
    "/me/top",
)
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# PUT/DELETE whose repetition is not harmless: moving items (range_start) or removing them
# by position moves or removes other items the second time, since positions shift.
_PLAYLIST_ITEMS = frozenset({"/playlists/{id}/items", "/playlists/{id}/tracks"})
_POSITIONAL_KEYS = (b'"range_start"', b'"positions"')
_MIN_ATTEMPT_S = 0.05  # an attempt near the deadline still gets a chance to connect


_sent_once: ContextVar[bool] = ContextVar("spotify_mcp_sent_once", default=False)
_fresh: ContextVar[bool] = ContextVar("spotify_mcp_fresh", default=False)


def sent_once() -> AbstractContextManager[None]:
    """Requests made inside (in this thread) are not sent again after a failure that may
    have followed their effect, even when idempotent. For a change that later requests build
    on: a first copy arriving late, after a retry and the requests that followed, would undo
    them (a replace of a playlist's items, then the adds of the rest)."""
    return _marked(_sent_once)


def fresh() -> AbstractContextManager[None]:
    """Reads made inside (in this thread) are answered by Spotify, not by a cache: for a
    count a change is measured by, which a reply cached before a change made elsewhere would
    skew."""
    return _marked(_fresh)


@contextmanager
def _marked(flag: ContextVar[bool]) -> Iterator[None]:
    token = flag.set(True)
    try:
        yield
    finally:
        flag.reset(token)


@dataclass
class Request:
    """One Spotify Web API request on its way out. The access token is not part of it.

    ``path``, ``endpoint`` and ``family`` are worked out once: several middleware read them.
    """

    method: str
    url: str
    """Absolute URL without the query string."""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    account: str = ""
    """Whose token the request is sent with (a user ID or a token fingerprint). The transport
    corrects it when the login changed on the way (``auth login`` as someone else): a
    middleware that keys data by account checks it again after ``call_next``."""
    api_path: str = "/v1"
    """The path prefix of the Web API on this server; :attr:`endpoint` is relative to it."""
    timeout: float = 10.0
    """Seconds to wait for an answer to one attempt."""
    deadline: float | None = None
    """``time.monotonic()`` by which the whole request, retries and waits included, must be
    over (set by retry). The transport cuts each attempt's timeout to it; a middleware that
    waits must not wait past it."""
    extensions: dict[str, Any] = field(default_factory=dict)
    """Scratch space for middleware to pass facts outward (e.g. ``cache: "hit"``)."""
    sent_once: bool = field(default_factory=_sent_once.get)
    """Not to be repeated after a failure that may have followed its effect, though its
    method is idempotent: made inside :func:`sent_once`."""
    fresh: bool = field(default_factory=_fresh.get)
    """To be answered by Spotify, not by a cache: made inside :func:`fresh`."""

    def attempt_timeout(self) -> float:
        """The timeout of an attempt sent now: :attr:`timeout`, cut to the deadline."""
        if self.deadline is None:
            return self.timeout
        return min(self.timeout, max(self.deadline - time.monotonic(), _MIN_ATTEMPT_S))

    @cached_property
    def path(self) -> str:
        """The path relative to the Web API root, without a trailing slash: ``/tracks/abc``."""
        path = urlsplit(self.url).path
        if path.startswith(self.api_path):
            path = path[len(self.api_path) :]
        return path.rstrip("/") or "/"

    @cached_property
    def endpoint(self) -> str:
        """The path with IDs replaced by ``{id}``: safe as a metrics label or a rule key."""
        return endpoint_template(self.path)

    @cached_property
    def family(self) -> str:
        """``player``, ``library``, ``playlists``, ``profile`` or ``catalog``."""
        return endpoint_family(self.path, self.endpoint)

    @property
    def idempotent(self) -> bool:
        """Whether sending the request twice has the same effect as sending it once.

        Every POST is not (add items, create a playlist, queue, next/previous), nor a request
        made inside :func:`sent_once`."""
        if self.method not in _IDEMPOTENT_METHODS or self.sent_once:
            return False
        positional = self.body is not None and any(k in self.body for k in _POSITIONAL_KEYS)
        return not (positional and self.endpoint in _PLAYLIST_ITEMS)


@dataclass(slots=True)
class Response:
    """A Spotify Web API response, as middleware sees it."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        # A scan, not a cached lower-case dict: slots=True leaves no __dict__ to cache in.
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def retry_after(self) -> float | None:
        """Seconds from the ``Retry-After`` header (delta-seconds or HTTP date), if any."""
        value = self.header("Retry-After")
        if value is None:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:  # asctime and "-0000" dates: HTTP dates are always GMT
                when = when.replace(tzinfo=UTC)
            seconds = when.timestamp() - time.time()
        return max(0.0, seconds) if math.isfinite(seconds) else None


CallNext = Callable[[Request], Response]


@runtime_checkable
class Middleware(Protocol):
    """What ``request_middleware`` returns. Must be thread-safe: tools run in worker threads."""

    name: str
    order: int

    def __call__(self, request: Request, call_next: CallNext) -> Response: ...


class TransportError(Exception):
    """The request got no HTTP response."""


class ConnectError(TransportError):
    """No connection could be made: the request was certainly not processed."""


class ConnectionLost(TransportError):
    """The connection broke after the request was sent: it may have been processed."""


class RequestTimeout(TransportError):
    """No response in time after the request was sent: it may have been processed."""


def endpoint_template(path: str) -> str:
    parts = path.strip("/").split("/")
    for i in range(1, len(parts)):
        # /me/tracks/contains names a collection of mine, not an ID under /tracks.
        if parts[i - 1] in _ID_PARENTS and (i < 2 or parts[i - 2] != "me"):
            parts[i] = "{id}"
    return "/" + "/".join(parts)


def endpoint_family(path: str, template: str) -> str:
    """The family of ``path``, whose :func:`endpoint_template` is ``template``."""
    if path.startswith(_PLAYER_PREFIX):
        return "player"
    if path.startswith(LIBRARY_PATHS):
        return "library"
    if path.startswith(("/playlists", "/me/playlists")) or template.startswith(
        "/users/{id}/playlists"
    ):
        return "playlists"
    if path == "/me" or path.startswith("/users"):
        return "profile"
    return "catalog"


def order_middleware(
    middleware: Iterable[Middleware], overrides: Mapping[str, int] | None = None
) -> list[Middleware]:
    """Sort by ``order`` (config ``overrides`` win), ties broken by name with a warning."""
    overrides = overrides or {}
    ordered = sorted(middleware, key=lambda mw: (effective_order(mw, overrides), mw.name))
    for name in sorted(set(overrides) - {mw.name for mw in ordered}):
        logger.warning(
            "[pipeline.order] names {!r}, which is no middleware in the pipeline ({})",
            name,
            ", ".join(mw.name for mw in ordered),
        )
    for first, second in itertools.pairwise(ordered):
        if effective_order(first, overrides) == effective_order(second, overrides):
            logger.warning(
                "middleware {} and {} share order {}; running {} first (by name). "
                "Set [pipeline.order] in the config to choose.",
                first.name,
                second.name,
                effective_order(first, overrides),
                first.name,
            )
    return ordered


def effective_order(middleware: Middleware, overrides: Mapping[str, int]) -> int:
    """The middleware's ``order``, unless the config overrides it by name."""
    return overrides.get(middleware.name, middleware.order)


def compose(middleware: Sequence[Middleware], transport: CallNext) -> CallNext:
    """Build one callable that runs ``middleware`` in order around ``transport``."""
    call = transport
    for mw in reversed(middleware):
        call = _bind(mw, call)
    return call


def _bind(mw: Middleware, call_next: CallNext) -> CallNext:
    def call(request: Request) -> Response:
        return mw(request, call_next)

    return call
