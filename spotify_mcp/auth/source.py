"""Which credentials the server uses, in order: ``SPOTIFY_ACCESS_TOKEN`` (static), the
stored login, client credentials (catalog mode, until a login is stored), none (which waits
for a stored login).
``--sandbox`` wins over all of them: the App decides that, since it owns the sandbox."""

from __future__ import annotations

from typing import Literal

from spotify_mcp.auth.credentials import (
    CatalogUntilLogin,
    ClientCredentials,
    Credentials,
    RefreshingCredentials,
    StaticToken,
)
from spotify_mcp.auth.store import login_store
from spotify_mcp.config import Config

Source = Literal["access_token", "stored", "client_credentials", "none"]
KINDS: dict[Source, str] = {
    "access_token": "user",
    "stored": "user",
    "client_credentials": "app",
    "none": "none",
}


def credential_source(config: Config) -> Source:
    """Decided from the settings and whether a login is stored: no parsing, no network but
    to a Redis sharing the login."""
    settings = config.settings
    if settings.access_token is not None:
        return "access_token"
    if login_store(config).exists():
        return "stored"
    if settings.client_id and settings.client_secret is not None:
        return "client_credentials"
    return "none"


def login_kind(config: Config) -> str:
    """``user``, ``app`` (catalog only) or ``none``."""
    return KINDS[credential_source(config)]


def configured_credentials(config: Config) -> Credentials:
    source = credential_source(config)
    settings = config.settings
    if source == "access_token" and settings.access_token is not None:
        return StaticToken(
            settings.access_token.get_secret_value(),
            when_rejected="Spotify rejected the access token given in SPOTIFY_ACCESS_TOKEN "
            "(expired or revoked). Give a fresh one, or unset it to use the login stored by "
            "`spotify-mcp auth login`.",
        )
    if source == "client_credentials":
        return CatalogUntilLogin(
            ClientCredentials(settings), RefreshingCredentials(login_store(config), settings)
        )
    # Stored, or not yet: every call then answers how to log in, until `auth login` is run.
    return RefreshingCredentials(login_store(config), settings)
