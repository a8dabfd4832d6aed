"""The accounts service: `/authorize` (auto-approved) and `/api/token`.

Grants: authorization code (with PKCE S256, or a client secret), refresh token and client
credentials. Any client ID is accepted (there is no app registry); client-credentials and
secret-based code exchange need a non-empty secret. Refreshing rotates the refresh token:
the response carries a new one and the old one stops working, so a client that does not
store the new token (or refreshes twice concurrently) gets `invalid_grant`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .endpoint import bind, json_response
from .errors import OAuthError
from .runtime import Runtime
from .tokens import ALL_SCOPES, CODE_TTL_S, AuthCode, parse_scopes

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _redirect_uri_problem(uri: str) -> str | None:
    """Why Spotify would refuse this redirect URI (loopback must be an IP literal), or None."""
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme != "http" or not parts.hostname:
        return "Invalid redirect URI"
    try:
        loopback = ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = False
    return None if loopback else "Insecure redirect URI"


def _with_params(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


async def authorize(rt: Runtime, request: Request) -> Response:
    query = request.query_params
    client_id = query.get("client_id", "")
    redirect_uri = query.get("redirect_uri", "")
    if not client_id:
        return PlainTextResponse("INVALID_CLIENT: Invalid client", 400)
    problem = _redirect_uri_problem(redirect_uri)
    if problem:
        return PlainTextResponse(f"INVALID_CLIENT: {problem}", 400)
    user = query.get("user", rt.settings.login_user)  # a sandbox extension: who logs in
    if user not in rt.state.users:
        return PlainTextResponse(f"Unknown sandbox user: {user}", 400)
    reply = {"state": query["state"]} if "state" in query else {}
    scopes = parse_scopes(query.get("scope", ""))
    challenge = query.get("code_challenge")
    method = query.get("code_challenge_method")
    error = None
    if query.get("response_type") != "code":
        error = "unsupported_response_type"
    elif not scopes <= ALL_SCOPES:
        error = "invalid_scope"
    elif (challenge or method) and (method != "S256" or not challenge):
        error = "invalid_request"
    if error:
        return RedirectResponse(_with_params(redirect_uri, {"error": error, **reply}), 302)
    code = rt.tokens.mint_code(
        AuthCode(user, scopes, client_id, redirect_uri, challenge, time.time() + CODE_TTL_S)
    )
    return RedirectResponse(_with_params(redirect_uri, {"code": code, **reply}), 302)


def _client(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """(client_id, client_secret) from HTTP Basic or the form body."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Invalid client") from None
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _issue(rt: Runtime, user: str, scopes: frozenset[str], client_id: str) -> Response:
    ttl = rt.settings.token_ttl_s
    return json_response(
        {
            "access_token": rt.tokens.mint_access(user, scopes, ttl, client_id),
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": rt.tokens.mint_refresh(user, scopes, client_id),
            "scope": " ".join(sorted(scopes)),
        },
        headers=NO_STORE,
    )


def _authorization_code(rt: Runtime, form: dict[str, str], client_id: str, secret: str) -> Response:
    code = rt.tokens.codes.pop(form.get("code", ""), None)  # single use
    if code is None or code.expires_at < time.time():
        raise OAuthError("invalid_grant", "Invalid authorization code")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", "Invalid redirect URI")
    if client_id != code.client_id:
        raise OAuthError("invalid_client", "Invalid client")
    if code.code_challenge is not None:
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != code.code_challenge:
            raise OAuthError("invalid_grant", "code_verifier was incorrect")
    elif not secret:
        raise OAuthError("invalid_client", "Invalid client secret")
    return _issue(rt, code.user, code.scopes, client_id)


def _refresh(rt: Runtime, form: dict[str, str], client_id: str) -> Response:
    token = form.get("refresh_token", "")
    grant = rt.tokens.refresh.get(token)
    if grant is None or (client_id and client_id != grant.client_id):
        raise OAuthError("invalid_grant", "Invalid refresh token")
    del rt.tokens.refresh[token]  # rotated: see the module docstring
    return _issue(rt, grant.user, grant.scopes, grant.client_id)


def _client_credentials(rt: Runtime, client_id: str, secret: str) -> Response:
    if not client_id or not secret:
        raise OAuthError("invalid_client", "Invalid client")
    ttl = rt.settings.token_ttl_s
    token = rt.tokens.mint_access(None, frozenset(), ttl, client_id)
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": ttl}, headers=NO_STORE
    )


async def token(rt: Runtime, request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        client_id, secret = _client(request, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return _authorization_code(rt, form, client_id, secret)
        if grant_type == "refresh_token":
            return _refresh(rt, form, client_id)
        if grant_type == "client_credentials":
            return _client_credentials(rt, client_id, secret)
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
    except OAuthError as error:
        return Response(error.body(), 400, NO_STORE, "application/json")


def routes(rt: Runtime) -> list[Route]:
    return [
        Route("/authorize", bind(rt, authorize), methods=["GET"]),
        Route("/api/token", bind(rt, token), methods=["POST"]),
    ]
