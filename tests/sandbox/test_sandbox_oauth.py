"""The accounts service over real HTTP: PKCE login, refresh rotation, revocation, client
credentials, expiry and scopes."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sandbox_helpers import Api, client_credentials_token

from spotify_mcp.sandbox import FREE_USER, PREMIUM_USER, Sandbox

CLIENT_ID = "sandbox-test-client"
REDIRECT_URI = "http://127.0.0.1:8765/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize(sb: Sandbox, **params: str) -> requests.Response:
    query = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        **params,
    }
    return requests.get(f"{sb.base_url}/authorize", params=query, allow_redirects=False, timeout=10)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def token_request(sb: Sandbox, **form: str) -> requests.Response:
    return requests.post(f"{sb.base_url}/api/token", data=form, timeout=10)


def pkce_code(sb: Sandbox, **params: str) -> tuple[dict[str, str], dict[str, str]]:
    """Authorize with a new PKCE pair: (the redirect's parameters, the form that redeems it)."""
    verifier, challenge = pkce_pair()
    redirect = redirect_params(
        authorize(sb, code_challenge=challenge, code_challenge_method="S256", **params)
    )
    form = {
        "grant_type": "authorization_code",
        "code": redirect["code"],
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
    }
    return redirect, form


def pkce_login(sb: Sandbox, scope: str, **extra: str) -> dict[str, str]:
    redirect, form = pkce_code(sb, scope=scope, **extra)
    assert redirect["state"] == "xyz"
    response = token_request(sb, **form)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def test_pkce_login_then_api_then_refresh_rotation(sb: Sandbox) -> None:
    tokens = pkce_login(sb, "user-read-private user-library-read")
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "user-library-read user-read-private"
    assert int(tokens["expires_in"]) == 3600
    client = Api(sb, tokens["access_token"])
    assert client.get("/me").json()["id"] == PREMIUM_USER
    assert client.get("/me/tracks").status_code == 200

    refreshed = token_request(
        sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=CLIENT_ID
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]  # rotated
    assert Api(sb, new["access_token"]).get("/me").status_code == 200
    reused = token_request(
        sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=CLIENT_ID
    )
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_oauth_tokens_carry_only_the_granted_scopes(sb: Sandbox) -> None:
    client = Api(sb, pkce_login(sb, "user-read-private")["access_token"])
    forbidden = client.get("/me/tracks")
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": {"status": 403, "message": "Insufficient client scope"}}
    assert "email" not in client.get("/me").json()  # needs user-read-email
    assert client.put("/me/player/pause").status_code == 403


def test_authorize_logs_in_the_configured_user(sb: Sandbox) -> None:
    tokens = pkce_login(sb, "user-read-playback-state", user=FREE_USER)
    devices = Api(sb, tokens["access_token"]).get("/me/player/devices").json()["devices"]
    assert [device["name"] for device in devices] == ["Jordan's Phone"]
    sb.configure(login_user=FREE_USER)
    client = Api(sb, pkce_login(sb, "user-read-private")["access_token"])
    assert client.get("/me").json()["product"] == "free"


def test_authorization_code_with_client_secret_and_basic_auth(sb: Sandbox) -> None:
    code = redirect_params(authorize(sb, scope="user-top-read"))["code"]
    response = requests.post(
        f"{sb.base_url}/api/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(CLIENT_ID, "secret"),
        timeout=10,
    )
    assert response.status_code == 200
    assert Api(sb, response.json()["access_token"]).get("/me/top/tracks").status_code == 200


@pytest.mark.parametrize(
    "change, error",
    [
        ({"code_verifier": "wrong"}, "invalid_grant"),
        ({"redirect_uri": "http://127.0.0.1:9999/other"}, "invalid_grant"),
        ({"client_id": "someone-else"}, "invalid_client"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
def test_code_exchange_errors(sb: Sandbox, change: dict[str, str], error: str) -> None:
    _, form = pkce_code(sb)
    response = token_request(sb, **{**form, **change})
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_a_code_works_once(sb: Sandbox) -> None:
    _, form = pkce_code(sb)
    assert token_request(sb, **form).status_code == 200
    assert token_request(sb, **form).json()["error"] == "invalid_grant"


def test_authorize_refuses_localhost_and_reports_bad_requests_by_redirect(sb: Sandbox) -> None:
    refused = authorize(sb, redirect_uri="http://localhost:8765/callback")
    assert refused.status_code == 400
    assert "redirect URI" in refused.text
    assert redirect_params(authorize(sb, scope="fly-to-the-moon"))["error"] == "invalid_scope"
    assert redirect_params(authorize(sb, response_type="token"))["error"] == (
        "unsupported_response_type"
    )
    plain = authorize(sb, code_challenge="abc", code_challenge_method="plain")
    assert redirect_params(plain)["error"] == "invalid_request"


def test_revoked_refresh_tokens_get_invalid_grant(sb: Sandbox) -> None:
    tokens = pkce_login(sb, "user-read-private")
    revoked = requests.post(
        f"{sb.base_url}/_sandbox/revoke", json={"user": PREMIUM_USER}, timeout=10
    )
    assert revoked.json()["revoked"]["refresh_tokens"] >= 1
    response = token_request(
        sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=CLIENT_ID
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert Api(sb, tokens["access_token"]).get("/me").status_code == 200  # until it expires


def test_revoking_access_tokens_too(sb: Sandbox) -> None:
    tokens = pkce_login(sb, "user-read-private")
    assert sb.revoke(user=PREMIUM_USER, access_tokens=True)["access_tokens"] >= 1
    response = Api(sb, tokens["access_token"]).get("/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid access token"


def test_client_credentials_reach_the_catalogue_but_not_the_user(sb: Sandbox) -> None:
    app = Api(sb, client_credentials_token(sb))
    assert app.get("/search", params={"q": "a", "type": "artist"}).status_code == 200
    for path in ("/me", "/me/tracks", "/me/player", "/me/playlists"):
        assert app.get(path).status_code in (401, 403), path
    assert token_request(sb, grant_type="client_credentials").json()["error"] == "invalid_client"


def test_expired_and_missing_tokens_get_401(sb: Sandbox) -> None:
    expired = Api(sb, sb.token(expires_in=0)).get("/me")
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "The access token expired"
    assert "invalid_token" in expired.headers["WWW-Authenticate"]
    missing = Api(sb, None).get("/me")
    assert missing.json() == {"error": {"status": 401, "message": "No token provided"}}


def test_admin_token_endpoint(sb: Sandbox) -> None:
    url = f"{sb.base_url}/_sandbox/token"
    minted = requests.get(url, params={"user": FREE_USER, "expires_in": 60}, timeout=10).json()
    assert minted["user"] == FREE_USER and minted["expires_in"] == 60
    assert Api(sb, minted["access_token"]).get("/me").json()["id"] == FREE_USER
    narrow = requests.get(url, params={"scope": "user-top-read"}, timeout=10).json()
    assert narrow["user"] == PREMIUM_USER
    assert Api(sb, narrow["access_token"]).get("/me").status_code == 403
    assert requests.get(url, params={"user": "nobody"}, timeout=10).status_code == 404
    assert requests.get(url, params={"scope": "superpowers"}, timeout=10).status_code == 400


def test_token_lifetime_setting(sb: Sandbox) -> None:
    sb.configure(token_ttl_s=0)
    tokens = pkce_login(sb, "user-read-private")
    assert tokens["expires_in"] == 0
    assert Api(sb, tokens["access_token"]).get("/me").status_code == 401
