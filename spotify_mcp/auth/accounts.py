"""Spotify's accounts service: the authorize URL and the token endpoint, over requests.

Our own small client rather than spotipy's ``SpotifyPKCE``/``SpotifyOAuth``: those hard-code
accounts.spotify.com (the sandbox could not stand in), keep their own token cache, refresh
without a lock, and log token request bodies (codes, refresh tokens) at debug level.
Nothing here logs a request body or puts a token into an error message.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from spotify_mcp.config import Settings
from spotify_mcp.errors import LoginRequired, SpotifyMCPError
from spotify_mcp.pipeline import ConnectError

if TYPE_CHECKING:
    import requests


class AccountsError(SpotifyMCPError):
    """The token endpoint refused a request; ``code`` is its OAuth error (``invalid_grant``)."""

    def __init__(self, message: str, code: str = "") -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class TokenGrant:
    """What the token endpoint answered; ``repr()`` leaves the tokens out."""

    access_token: str = field(repr=False)
    expires_at: float
    lifetime_s: float
    scopes: tuple[str, ...] | None
    """None when the answer names no scopes (a refresh keeps the ones granted before)."""
    refresh_token: str | None = field(default=None, repr=False)


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set
    return verifier, s256(verifier)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Accounts:
    """The accounts service at ``base_url``, as the app ``client_id``."""

    base_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0

    @classmethod
    def of(cls, settings: Settings, client_id: str | None = None) -> Accounts:
        """The configured accounts service; the configured secret is used only with the
        configured client ID (a stored login may belong to another app)."""
        client_id = client_id or settings.client_id or ""
        secret = settings.client_secret if client_id == settings.client_id else None
        return cls(
            settings.accounts_base_url.rstrip("/"),
            client_id,
            secret.get_secret_value() if secret else None,
            settings.request_timeout_s,
        )

    def authorize_url(
        self, redirect_uri: str, scopes: list[str], state: str, challenge: str
    ) -> str:
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "code_challenge": challenge,
        }
        if scopes:
            query["scope"] = " ".join(scopes)
        return f"{self.base_url}/authorize?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenGrant:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._token({**form, "code_verifier": verifier})

    def refresh(self, refresh_token: str) -> TokenGrant:
        """A new access token; an expired or revoked refresh token raises LoginRequired."""
        try:
            return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        except AccountsError as error:
            if error.code == "invalid_grant":
                raise LoginRequired("Your Spotify login has expired or was revoked.") from None
            if error.code == "invalid_client":
                raise LoginRequired(f"Spotify no longer accepts the login's app: {error}") from None
            raise

    def client_credentials(self) -> TokenGrant:
        """An app-only token (catalog mode); needs the client secret."""
        try:
            return self._token({"grant_type": "client_credentials"})
        except AccountsError as error:
            if error.code == "invalid_client":
                raise AccountsError(
                    "Spotify rejected the app's client ID or secret (invalid_client): check "
                    "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET.",
                    error.code,
                ) from None
            raise

    def _token(self, form: dict[str, str]) -> TokenGrant:
        import requests  # not at import time: `tools list` and startup never need it

        headers = {}
        if self.client_secret:
            pair = f"{self.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form = {**form, "client_id": self.client_id}
        url = f"{self.base_url}/api/token"
        try:
            response = requests.post(url, data=form, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as error:
            raise _unreachable(error, url) from None
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            raise _refusal(response.status_code, body)
        lifetime = float(body.get("expires_in", 3600))
        scope = body.get("scope")
        return TokenGrant(
            access_token=body["access_token"],
            expires_at=time.time() + lifetime,
            lifetime_s=lifetime,
            scopes=tuple(sorted(scope.split())) if isinstance(scope, str) else None,
            refresh_token=body.get("refresh_token"),
        )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(status: int, body: dict[str, Any]) -> AccountsError:
    code = str(body.get("error") or "")
    # Spotify's descriptions ("Refresh token revoked") help; cap them, they are not ours.
    detail = str(body.get("error_description") or "")[:200]
    if code:
        return AccountsError(f"Spotify's accounts service refused: {code} ({detail}).", code)
    return AccountsError(f"Spotify's accounts service answered HTTP {status}. Try again shortly.")


def _unreachable(error: requests.RequestException, url: str) -> ConnectError:
    # Whatever happened to the token request, the API request waiting for the token was
    # certainly not sent: ConnectError tells the retry middleware it is safe to repeat.
    host = urlsplit(url).netloc
    return ConnectError(f"no answer from the accounts service at {host}: {type(error).__name__}")
