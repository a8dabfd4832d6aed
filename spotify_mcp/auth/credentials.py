"""Credentials: where the session's access token comes from.

The transport asks :meth:`Credentials.access_token` before each request and, after a
401, :meth:`Credentials.refresh` once. Tokens never appear in logs, error messages or
``repr()``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import threading
import time
from typing import Protocol

from loguru import logger

from spotify_mcp.auth.accounts import Accounts, TokenGrant
from spotify_mcp.auth.store import LoginStore, StoredLogin
from spotify_mcp.config import Settings
from spotify_mcp.errors import LoginRequired, SpotifyMCPError

#: Renew this long before expiry (at most a quarter of the token's lifetime).
REFRESH_MARGIN_S = 60.0
ANONYMOUS = "anonymous"


class Credentials(Protocol):
    @property
    def account(self) -> str:
        """Whose requests these are: a user ID or a token fingerprint (keys per-user caches)."""
        ...

    @property
    def kind(self) -> str:
        """``user``, ``app`` (client credentials: catalog only) or ``none``."""
        ...

    def access_token(self) -> str:
        """A token to send now; raises :class:`LoginRequired` when there is none."""
        ...

    def refresh(self, rejected: str) -> str | None:
        """A new token after ``rejected`` got a 401, or None when it cannot refresh."""
        ...


def fingerprint(token: str) -> str:
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


class StaticToken:
    """A token given as is (``SPOTIFY_ACCESS_TOKEN``, the sandbox): never refreshed.
    ``when_rejected`` is what a call says when Spotify rejects it (default: the usual 401
    explanation)."""

    kind = "user"

    def __init__(
        self, token: str, account: str | None = None, *, when_rejected: str | None = None
    ) -> None:
        self._token = token
        self.account = account or fingerprint(token)
        self._when_rejected = when_rejected

    def access_token(self) -> str:
        return self._token

    def refresh(self, rejected: str) -> str | None:
        if self._when_rejected:
            raise SpotifyMCPError(self._when_rejected)
        return None

    def __repr__(self) -> str:
        return f"StaticToken(account={self.account!r})"


def renew_at(expires_at: float, lifetime_s: float) -> float:
    return expires_at - min(REFRESH_MARGIN_S, lifetime_s / 4)


class _Renewing:
    """A token renewed shortly before it expires and once after a 401, by one thread at a
    time: callers that waited for the lock find the new token and use it (no refresh storm)."""

    account: str

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: tuple[str, float] | None = None  # (token, when to renew it)

    def access_token(self) -> str:
        current = self._current
        if current is None or time.time() >= current[1]:
            with self._lock:
                current = self._current
                if current is None or time.time() >= current[1]:
                    current = self._current = self._obtain(None if current is None else current[0])
        return current[0]

    def refresh(self, rejected: str) -> str | None:
        with self._lock:
            current = self._current
            if current is None or current[0] == rejected:
                current = self._current = self._obtain(rejected)
            return current[0]

    def _obtain(self, unusable: str | None) -> tuple[str, float]:
        """A token other than ``unusable`` that is not about to expire, and its renew time."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(account={self.account!r})"


class RefreshingCredentials(_Renewing):
    """The login ``auth login`` stored: refreshed with its refresh token, and stored again.

    Without a stored login every call answers how to log in, until ``auth login`` stores
    one: then the running server uses it, without a restart.

    When a renewed login cannot be stored (a full disk), it is kept in memory and stored at
    the next renewal: the stored refresh token is already retired, so dropping the renewed
    one would log the user out.
    """

    def __init__(self, file: LoginStore, settings: Settings) -> None:
        super().__init__()
        self._file = file
        self._settings = settings
        self.account = ANONYMOUS
        self._unstored: tuple[StoredLogin, StoredLogin] | None = None
        """(the renewed login not yet stored, the stored login it replaces)"""
        with contextlib.suppress(LoginRequired):  # an unusable file: the first call says so
            self._note_user(file.load())

    @property
    def kind(self) -> str:
        return "user" if self._file.exists() else "none"

    def _note_user(self, stored: StoredLogin | None) -> None:
        if stored is not None:
            self.account = stored.user_id or "user"

    def _obtain(self, unusable: str | None) -> tuple[str, float]:
        # Read the file each time: another process (or a new `auth login`) may have renewed
        # the token already; and again under the lock, which that process may have held.
        found = _still_good(self._load(), unusable)
        if found is not None:
            return found
        with self._file.renewing(wait_s=3 * self._settings.request_timeout_s):
            stored = self._load()
            found = _still_good(stored, unusable)
            if found is not None:
                return found
            grant = Accounts.of(self._settings, stored.client_id).refresh(stored.refresh_token)
            renewed = _renewed(stored, grant)
            self._store(renewed, stored)
        logger.info("refreshed the Spotify access token (valid {:.0f} s)", grant.lifetime_s)
        return renewed.access_token, renew_at(renewed.expires_at, renewed.lifetime_s)

    def _load(self) -> StoredLogin:
        stored = self._file.load()
        if self._unstored is not None:
            renewed, replaced = self._unstored
            if stored == replaced:  # nobody stored a newer login meanwhile
                return renewed
            self._unstored = None
        if stored is None:
            raise LoginRequired()
        self._note_user(stored)
        return stored

    def _store(self, renewed: StoredLogin, renewed_from: StoredLogin) -> None:
        try:
            self._file.save(renewed)
        except OSError as error:
            logger.error(
                "could not store the renewed Spotify login in {} ({}); keeping it in memory "
                "and trying again at the next renewal. If this server stops first, run "
                "`spotify-mcp auth login` again.",
                self._file.where,
                error,
            )
            # What the file holds: the login renewed from, unless that one was unstored too.
            on_disk = self._unstored[1] if self._unstored else renewed_from
            self._unstored = (renewed, on_disk)
        else:
            self._unstored = None


def _still_good(stored: StoredLogin, unusable: str | None) -> tuple[str, float] | None:
    """The stored token and its renew time, unless it is ``unusable`` or due for renewal."""
    due = renew_at(stored.expires_at, stored.lifetime_s)
    if stored.access_token != unusable and time.time() < due:
        return stored.access_token, due
    return None


def _renewed(stored: StoredLogin, grant: TokenGrant) -> StoredLogin:
    return dataclasses.replace(
        stored,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token or stored.refresh_token,  # Spotify may rotate it
        expires_at=grant.expires_at,
        lifetime_s=grant.lifetime_s,
        scopes=grant.scopes if grant.scopes is not None else stored.scopes,
    )


class ClientCredentials(_Renewing):
    """Catalog mode: app-only tokens from the client ID and secret, kept in memory."""

    kind = "app"
    account = "app"

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._accounts = Accounts.of(settings)

    def _obtain(self, unusable: str | None) -> tuple[str, float]:
        grant = self._accounts.client_credentials()
        logger.info("got an app-only token (catalog mode, valid {:.0f} s)", grant.lifetime_s)
        return grant.access_token, renew_at(grant.expires_at, grant.lifetime_s)


#: How often catalog mode looks for a login stored meanwhile.
LOGIN_CHECK_S = 5.0


class CatalogUntilLogin:
    """Catalog mode until ``auth login`` stores a login while the server runs: app-only
    tokens, then the user's from then on, without a restart. The store is looked at once
    every :data:`LOGIN_CHECK_S` at most (it may be Redis)."""

    def __init__(self, app_only: ClientCredentials, user: RefreshingCredentials) -> None:
        self._user = user
        self._current: ClientCredentials | RefreshingCredentials = app_only
        self._checked_at = -LOGIN_CHECK_S

    @property
    def kind(self) -> str:
        return self._now().kind

    @property
    def account(self) -> str:
        return self._now().account

    def access_token(self) -> str:
        return self._now().access_token()

    def refresh(self, rejected: str) -> str | None:
        return self._now().refresh(rejected)

    def _now(self) -> ClientCredentials | RefreshingCredentials:
        if self._current is self._user or time.monotonic() - self._checked_at < LOGIN_CHECK_S:
            return self._current
        self._checked_at = time.monotonic()
        if self._user.kind == "user":  # a login is stored (a race here only checks twice)
            logger.info("a Spotify login was stored: the server acts as that user from now on")
            self._current = self._user
        return self._current

    def __repr__(self) -> str:
        return f"CatalogUntilLogin(now={self._current!r})"
