"""``spotify-mcp auth status``: which login the server would use, for whom, with which scopes.

Read from the settings and the stored login only (no network, but to a Redis sharing the
login): it works offline and never refreshes anything.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from spotify_mcp.auth.login import required_scopes
from spotify_mcp.auth.source import KINDS, credential_source
from spotify_mcp.auth.store import login_store
from spotify_mcp.errors import SpotifyMCPError

if TYPE_CHECKING:
    from spotify_mcp.app import App

#: Spotify ends refresh tokens six months after the user authorized.
REFRESH_TOKEN_LIFETIME_S = 182 * 24 * 3600


def describe(app: App) -> dict[str, Any]:
    config = app.config
    source = credential_source(config)
    needed = required_scopes(app)
    report: dict[str, Any] = {"login": KINDS[source], "source": source, "required_scopes": needed}
    if source == "client_credentials":
        report["client_id"] = config.settings.client_id
    if source != "stored":
        return report
    store = login_store(config)
    report["stored_in"] = store.where
    try:
        stored = store.load()
    except SpotifyMCPError as error:  # an unusable file, or Redis down: no login to use
        return {**report, "login": "none", "error": str(error)}
    if stored is None:  # removed since we looked
        return {**report, "login": "none", "source": "none"}
    return {
        **report,
        "user": {"id": stored.user_id, "display_name": stored.display_name},
        "client_id": stored.client_id,
        "scopes": list(stored.scopes),
        "missing_scopes": [scope for scope in needed if scope not in stored.scopes],
        "expires_at": _iso(stored.expires_at),
        "expired": stored.expires_at <= time.time(),
        "authorized_at": _iso(stored.authorized_at),
        "login_ends_around": _iso(stored.authorized_at + REFRESH_TOKEN_LIFETIME_S),
        "stored_privately": not store.readable_by_others(),
    }


def render(report: dict[str, Any]) -> list[str]:
    """``describe``'s report for people."""
    source = report["source"]
    if source == "none":
        return [
            "Not logged in: tools that call Spotify answer with how to log in.",
            "Run `spotify-mcp auth login`, or try it without an account:",
            "`spotify-mcp serve --sandbox`.",
        ]
    if source == "access_token":
        return [
            "Using SPOTIFY_ACCESS_TOKEN: a fixed token, never refreshed (it stops working when "
            "it expires). Its user and scopes are not known offline.",
        ]
    if source == "client_credentials":
        return [
            f"Catalog mode: app-only tokens for client ID {report['client_id']} (client "
            "credentials). Tools that need a user are hidden; `spotify-mcp auth login` logs in.",
        ]
    if "error" in report:
        return [report["error"]]
    user = report["user"]
    who = f"{user['display_name']} ({user['id']})" if user["id"] else "an unknown user"
    lines = [
        f"Logged in as {who} with the app {report['client_id']}.",
        f"Stored in: {report['stored_in']}",
        f"Scopes: {', '.join(report['scopes']) or '(none)'}",
        f"Access token: {'expired' if report['expired'] else 'valid until'} "
        f"{report['expires_at']}; it is refreshed automatically.",
        f"Login: authorized {report['authorized_at']}; Spotify ends it around "
        f"{report['login_ends_around']}, then run `spotify-mcp auth login` again.",
    ]
    if report["missing_scopes"]:
        lines.append(
            "warning: the login lacks scopes that enabled plugins need: "
            f"{', '.join(report['missing_scopes'])}. Run `spotify-mcp auth login` again."
        )
    if not report["stored_privately"]:
        lines.append(f"warning: others can read {report['stored_in']}: chmod 600 it.")
    return lines


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
