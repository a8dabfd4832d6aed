"""Everything one running sandbox holds: settings, catalogue, state, tokens, faults, logs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from .catalog import build_catalog
from .faults import FaultStore
from .ratelimit import RollingWindow
from .requestlog import RequestLog
from .search import SearchIndex
from .seed import describe, seed_state
from .settings import SETTING_RULES, Settings
from .tokens import TokenStore


class Runtime:
    def __init__(
        self,
        api_url: str,
        settings: Settings,
        tokens: TokenStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.clock = clock
        self.catalog = build_catalog(api_url)
        self.search_index = SearchIndex.build(self.catalog)
        self.faults = FaultStore()
        self.log = RequestLog()
        self.window = RollingWindow()
        self.state = seed_state(self.catalog, clock)

    def reset(self) -> None:
        """Back to the seeded state; faults, request log and rate window cleared, tokens kept.
        Playlists created afterwards get new IDs: Spotify never reuses one, and clients (and
        their caches) may still hold the old ones."""
        created = self.state.created
        self.state = seed_state(self.catalog, self.clock)
        self.state.created = created
        self.faults.clear()
        self.log.clear()
        self.window.clear()

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply setting changes (all or nothing); ValueError names the first bad one."""
        for name, value in changes.items():
            if name == "login_user":
                if value not in self.state.users:
                    raise ValueError(f"unknown user: {value}")
                continue
            if name not in SETTING_RULES:
                raise ValueError(f"unknown setting: {name}")
            minimum, nullable = SETTING_RULES[name]
            valid_int = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
            if not (valid_int or (nullable and value is None)):
                raise ValueError(f"{name} must be an integer >= {minimum}")
        for name, value in changes.items():
            setattr(self.settings, name, value)
        return self.describe_settings()

    def describe_settings(self) -> dict[str, Any]:
        return asdict(self.settings)

    def describe(self) -> dict[str, Any]:
        return describe(self.state, self.catalog)

    def revoke(
        self, user: str | None = None, refresh_token: str | None = None, access_tokens: bool = False
    ) -> dict[str, int]:
        """Revoke refresh tokens (and, if asked, the user's access tokens)."""
        return {
            "refresh_tokens": self.tokens.revoke(user=user, refresh_token=refresh_token),
            "access_tokens": self.tokens.revoke_access(user=user) if access_tokens else 0,
        }

    def mint_token(
        self, user: str, expires_in: int | None, scopes: frozenset[str]
    ) -> dict[str, Any]:
        """An access token for a seeded user, without the OAuth dance (admin API, tests)."""
        if user not in self.state.users:
            raise KeyError(user)
        ttl = self.settings.token_ttl_s if expires_in is None else expires_in
        token = self.tokens.mint_access(user, scopes, ttl)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "user": user}
