"""Access tokens, refresh tokens and authorization codes. Tokens survive a sandbox reset."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

ALL_SCOPES = frozenset(
    {
        "app-remote-control",
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-public",
        "playlist-modify-private",
        "user-library-read",
        "user-library-modify",
        "user-read-private",
        "user-read-email",
        "user-follow-read",
        "user-follow-modify",
        "user-top-read",
        "user-read-playback-position",
        "user-read-playback-state",
        "user-read-recently-played",
        "user-read-currently-playing",
        "user-modify-playback-state",
        "ugc-image-upload",
        "streaming",
    }
)
CODE_TTL_S = 600


@dataclass(frozen=True, slots=True)
class Grant:
    """What an access token stands for; `user` is None for client-credentials tokens."""

    user: str | None
    scopes: frozenset[str]
    expires_at: float
    client_id: str


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    user: str
    scopes: frozenset[str]
    client_id: str


@dataclass(frozen=True, slots=True)
class AuthCode:
    user: str
    scopes: frozenset[str]
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    expires_at: float


@dataclass(slots=True)
class TokenStore:
    access: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)

    def mint_access(
        self, user: str | None, scopes: frozenset[str], ttl_s: float, client_id: str = "sandbox"
    ) -> str:
        token = "BQ" + secrets.token_urlsafe(48)
        self.access[token] = Grant(user, scopes, time.time() + ttl_s, client_id)
        return token

    def mint_refresh(self, user: str, scopes: frozenset[str], client_id: str) -> str:
        token = "AQ" + secrets.token_urlsafe(48)
        self.refresh[token] = RefreshGrant(user, scopes, client_id)
        return token

    def mint_code(self, code: AuthCode) -> str:
        value = "AQ" + secrets.token_urlsafe(32)
        self.codes[value] = code
        return value

    def revoke(self, *, user: str | None = None, refresh_token: str | None = None) -> int:
        """Forget refresh tokens (one, a user's, or all); returns how many."""
        doomed = [
            token
            for token, grant in self.refresh.items()
            if (refresh_token is None or token == refresh_token)
            and (user is None or grant.user == user)
        ]
        for token in doomed:
            del self.refresh[token]
        return len(doomed)

    def revoke_access(self, *, user: str | None = None) -> int:
        """Forget user access tokens (a user's, or all); returns how many."""
        doomed = [
            token
            for token, grant in self.access.items()
            if grant.user is not None and (user is None or grant.user == user)
        ]
        for token in doomed:
            del self.access[token]
        return len(doomed)


def parse_scopes(
    value: str | list[str] | tuple[str, ...] | frozenset[str] | None,
) -> frozenset[str]:
    """Scopes from a space/comma separated string or a list; None means every scope."""
    if value is None:
        return ALL_SCOPES
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return frozenset(value)
