"""Authentication: where the session's access token comes from, and how a user logs in.

- :mod:`.credentials`: the :class:`Credentials` the transport asks for tokens (static,
  stored login with refresh, client credentials until a login is stored).
- :mod:`.source`: which of them the server uses.
- :mod:`.store`: the token file (mode 0600, written atomically); :mod:`.redis_store`: the
  login replicas share in Redis.
- :mod:`.accounts`: Spotify's accounts service (authorize URL, token endpoint, PKCE).
- :mod:`.login` and :mod:`.status`: ``spotify-mcp auth login`` / ``status`` / ``logout``.
"""

from spotify_mcp.auth.credentials import (
    CatalogUntilLogin,
    ClientCredentials,
    Credentials,
    RefreshingCredentials,
    StaticToken,
    fingerprint,
)
from spotify_mcp.auth.source import configured_credentials, credential_source, login_kind
from spotify_mcp.auth.store import LoginStore, StoredLogin, TokenFile, login_store

__all__ = [
    "CatalogUntilLogin",
    "ClientCredentials",
    "Credentials",
    "LoginStore",
    "RefreshingCredentials",
    "StaticToken",
    "StoredLogin",
    "TokenFile",
    "configured_credentials",
    "credential_source",
    "fingerprint",
    "login_kind",
    "login_store",
]
