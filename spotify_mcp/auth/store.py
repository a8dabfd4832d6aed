"""The stored login: one JSON file in the data dir, readable and writable by its owner only
(or, with ``redis_url``, one Redis key that replicas share: :mod:`.redis_store`).

The file is written to a temporary file created with mode 0600 (``O_EXCL``: never an
existing file, never a moment of wider permissions), then renamed over the old one, so a
reader sees the old login or the new one, never half of either. Renewal happens under a lock
file beside it, shared by every process using the login (see :meth:`TokenFile.renewing`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from spotify_mcp.config import Config, Paths
from spotify_mcp.errors import LoginRequired, RetryLater

TOKEN_FILE = "token.json"


@dataclass(frozen=True)
class StoredLogin:
    """A user's login as ``auth login`` stored it; ``repr()`` leaves the tokens out."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float
    lifetime_s: float
    """How long the access token was issued for: sets how early it is renewed."""
    scopes: tuple[str, ...]
    client_id: str
    user_id: str | None
    display_name: str | None
    authorized_at: float
    """When the user approved: Spotify's refresh tokens expire six months later."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredLogin:
        return cls(**{**data, "scopes": tuple(data["scopes"])})

    @classmethod
    def parse(cls, text: str | bytes, where: str) -> StoredLogin:
        """The login in ``text``; :class:`LoginRequired` naming ``where`` (never the content)
        when it is not one."""
        try:
            return cls.from_json(json.loads(text))
        except (ValueError, TypeError, KeyError):
            raise LoginRequired(f"The stored Spotify login ({where}) is unreadable.") from None


class LoginStore(Protocol):
    """Where the login lives; :class:`TokenFile` says what each method does."""

    @property
    def where(self) -> str: ...
    def exists(self) -> bool: ...
    def load(self) -> StoredLogin | None: ...
    def save(self, login: StoredLogin) -> None: ...
    def renewing(self, wait_s: float) -> contextlib.AbstractContextManager[None]: ...
    def delete(self) -> bool: ...
    def readable_by_others(self) -> bool: ...


def login_store(config: Config) -> LoginStore:
    """The shared Redis key when ``redis_url`` is set, else the token file."""
    if config.settings.redis_url is not None:
        from spotify_mcp.auth.redis_store import RedisLogin

        return RedisLogin.of(config.settings)
    return TokenFile.of(config.paths)


class TokenFile:
    """Where the login lives: ``<data dir>/token.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        return str(self.path)

    @classmethod
    def of(cls, paths: Paths) -> TokenFile:
        return cls(paths.data_dir / TOKEN_FILE)

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> StoredLogin | None:
        """The login, or None when there is none; raises :class:`LoginRequired` when the
        file cannot be used (the message names the file, never its content)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return StoredLogin.parse(text, self.where)

    def save(self, login: StoredLogin) -> None:
        """Store ``login``; raises OSError when it cannot be stored."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}")
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(asdict(login), out, indent=2)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    @contextmanager
    def renewing(self, wait_s: float) -> Iterator[None]:
        """Held while one process renews the login. Spotify retires a refresh token once it
        is used, so two servers renewing at once would leave one of them logged out; with the
        lock the second waits, then finds the first one's new token in the file."""
        from filelock import FileLock, Timeout  # only when a token is renewed

        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = FileLock(self.path.with_name(f".{self.path.name}.lock"), mode=0o600)
        try:
            lock.acquire(timeout=wait_s)
        except Timeout:
            raise RetryLater(
                "Another spotify-mcp process is renewing the Spotify login.", retry_after=1
            ) from None
        try:
            yield
        finally:
            lock.release()

    def delete(self) -> bool:
        """Remove the login; False when there was none."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def readable_by_others(self) -> bool:
        """True when someone widened the file's permissions after we wrote it."""
        return os.name == "posix" and bool(self.path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))

    def __repr__(self) -> str:
        return f"TokenFile({str(self.path)!r})"
