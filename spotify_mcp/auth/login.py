"""``spotify-mcp auth login``: authorization code with PKCE and a loopback redirect.

The browser comes back to ``http://127.0.0.1:PORT/callback`` (Spotify accepts loopback IP
literals, not ``localhost``), where a one-request HTTP server catches the code. Headless:
the user opens the printed URL anywhere and pastes the address the browser ended up on;
the callback server keeps listening meanwhile, so whichever arrives first wins.
"""

from __future__ import annotations

import contextlib
import ipaddress
import queue
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import click
from loguru import logger

from spotify_mcp.auth.accounts import Accounts, pkce_pair
from spotify_mcp.auth.store import LoginStore, StoredLogin, login_store
from spotify_mcp.errors import LoginRequired, SpotifyMCPError, explain_http

if TYPE_CHECKING:
    import requests

    from spotify_mcp.app import App
    from spotify_mcp.config import Settings

WAIT_S = 300.0
NO_CLIENT_ID = (
    "No Spotify client ID. Create an app at https://developer.spotify.com/dashboard, add the "
    "redirect URI {redirect}, then set SPOTIFY_CLIENT_ID (or client_id in the config file)."
)
_PAGE = "<!doctype html><title>spotify-mcp</title><h1>{}</h1><p>{}</p>"


class LoginFailed(SpotifyMCPError):
    """The login did not complete; the message says what to do."""


def required_scopes(app: App) -> list[str]:
    """The union of the scopes every enabled plugin declares (``oauth_scopes`` hook)."""
    scopes: set[str] = set()
    for _, declare in app.plugins.implementations("oauth_scopes"):
        scopes.update(declare() or ())
    return sorted(scopes)


def login(app: App, *, open_browser: bool, port: int | None = None) -> StoredLogin:
    """Run the whole flow and store the login; raises :class:`LoginFailed`."""
    settings = app.config.settings
    redirect_uri = _redirect_uri(settings.redirect_uri, port)
    if not settings.client_id:
        raise LoginFailed(NO_CLIENT_ID.format(redirect=redirect_uri))
    store = login_store(app.config)
    _check_usable(store)  # before the browser: a login that cannot be stored is lost
    accounts = Accounts.of(settings)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    scopes = required_scopes(app)
    url = accounts.authorize_url(redirect_uri, scopes, state, challenge)
    redirects: queue.Queue[str] = queue.Queue()
    with _callback_server(redirect_uri, state, redirects, required=open_browser) as listening:
        if open_browser and webbrowser.open(url):
            click.echo("Log in to Spotify in the browser that opened. If none did, open:", err=True)
            click.echo(url)
            _hint_spotify_errors(redirect_uri)
        else:
            click.echo(
                "Open this URL in a browser (on any machine), log in, then paste here the "
                f"address the browser ends up on (it starts with {redirect_uri}):",
                err=True,
            )
            click.echo(url)
            _hint_spotify_errors(redirect_uri)
            _read_pasted(redirects)
        code = _code_from(_first_redirect(redirects, listening), state)
    grant = accounts.exchange_code(code, redirect_uri, verifier)
    if not grant.refresh_token:
        raise LoginFailed("Spotify sent no refresh token: run `spotify-mcp auth login` again.")
    user_id, display_name = _profile(settings, grant.access_token)
    stored = StoredLogin(
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=grant.expires_at,
        lifetime_s=grant.lifetime_s,
        scopes=grant.scopes if grant.scopes is not None else tuple(scopes),
        client_id=accounts.client_id,
        user_id=user_id,
        display_name=display_name,
        authorized_at=time.time(),
    )
    try:
        store.save(stored)
    except OSError as error:
        raise LoginFailed(
            f"Logged in, but the login could not be stored in {store.where} ({error}): fix "
            "that, then run `spotify-mcp auth login` again."
        ) from None
    return stored


def _check_usable(store: LoginStore) -> None:
    """Raise when the store could not take the login: Redis down, or refusing writes (out
    of memory, a read-only replica), the data dir not a directory or not writable. Taking
    the renewal lock writes, as saving will; an unreadable login is fine, the new one
    replaces it."""
    try:
        with store.renewing(wait_s=5):
            store.load()
    except LoginRequired:
        pass
    except OSError as error:
        raise LoginFailed(f"Cannot use {store.where}, where the login goes ({error}).") from None


def _redirect_uri(configured: str, port: int | None) -> str:
    parts = urlsplit(configured)
    if parts.hostname == "localhost":
        raise LoginFailed(
            f"Spotify no longer accepts `localhost` in redirect URIs ({configured}): use "
            "http://127.0.0.1:8888/callback, in your Spotify app's settings and in "
            "SPOTIFY_REDIRECT_URI (or redirect_uri in the config file)."
        )
    if port is None:
        return configured
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path, parts.query, ""))


def _first_redirect(redirects: queue.Queue[str], listening: bool) -> str:
    """The first redirect URL to arrive, from the callback server or pasted."""
    deadline = time.monotonic() + WAIT_S
    while (left := deadline - time.monotonic()) > 0:
        try:
            redirect = redirects.get(timeout=left)
        except queue.Empty:
            break
        if redirect:
            return redirect
        if not listening:  # stdin closed and nothing listens for the browser
            raise LoginFailed("No redirect URL was pasted: run `spotify-mcp auth login` again.")
        click.echo(  # stdin closed: say why nothing happens (the browser may still come back)
            f"Nothing more can be pasted; waiting up to {left / 60:.0f} minutes for the browser "
            "to come back (Ctrl-C stops).",
            err=True,
        )
    raise LoginFailed(f"No login arrived within {WAIT_S / 60:.0f} minutes: run it again.")


def _read_pasted(redirects: queue.Queue[str]) -> None:
    """Read pasted lines in the background (the callback server may answer first)."""

    def read() -> None:
        for line in sys.stdin:
            pasted = line.strip()
            if "?" in pasted:
                redirects.put(pasted)
            elif pasted:
                click.echo("That is not the redirect URL: paste the full address.", err=True)
        redirects.put("")  # end of input

    threading.Thread(target=read, name="login-paste", daemon=True).start()


def _code_from(redirect: str, state: str) -> str:
    params = dict(parse_qsl(urlsplit(redirect).query))
    if not _state_matches(params, state):
        raise LoginFailed(
            "That redirect belongs to another login attempt (its state does not match): "
            "run `spotify-mcp auth login` again."
        )
    if "error" in params:
        raise LoginFailed(f"Spotify did not authorize the login: {params['error'][:100]}.")
    if not params.get("code"):
        raise LoginFailed("The redirect URL has no authorization code: paste the full address.")
    return params["code"]


def _state_matches(params: dict[str, str], state: str) -> bool:
    """The redirect answers this login (and not a stale tab or a forged link)."""
    return secrets.compare_digest(params.get("state", "").encode(), state.encode())


@contextlib.contextmanager
def _callback_server(
    redirect_uri: str, state: str, redirects: queue.Queue[str], *, required: bool
) -> Iterator[bool]:
    """Listen on the redirect URI's loopback address; yields whether it listens."""
    parts = urlsplit(redirect_uri)
    host, path = parts.hostname or "", parts.path or "/"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    server: HTTPServer | None = None
    if loopback:
        try:
            server = _LoopbackServer(
                host, 80 if parts.port is None else parts.port, _handler(path, state, redirects)
            )
        except OSError as error:
            if required:
                raise LoginFailed(
                    f"Cannot listen on {host}:{parts.port} ({error.strerror}). Free the port, "
                    "pass another with --port (registered in your Spotify app as a redirect "
                    "URI), or use --no-browser."
                ) from None
            logger.warning("cannot listen on {}:{}; paste the redirect URL", host, parts.port)
    elif required:
        raise LoginFailed(
            f"The redirect URI {redirect_uri} is not a loopback address: use --no-browser "
            "and paste the URL the browser ends up on."
        )
    if server is None:
        yield False
        return
    thread = threading.Thread(target=server.serve_forever, name="login-callback", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        server.shutdown()
        server.server_close()


class _LoopbackServer(HTTPServer):
    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), handler)


def _handler(path: str, state: str, redirects: queue.Queue[str]) -> type[BaseHTTPRequestHandler]:
    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's naming
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            if parts.path != path or not _state_matches(params, state):
                # Not our redirect (a stale tab, a favicon, a forged link): keep waiting.
                self._answer(400, "Not this login", "Run `spotify-mcp auth login` again.")
                return
            if "error" in params:
                self._answer(400, "Login not authorized", "You can close this tab.")
            else:
                self._answer(200, "Logged in to spotify-mcp", "You can close this tab.")
            redirects.put(self.path)

        def _answer(self, status: int, title: str, text: str) -> None:
            body = _PAGE.format(title, text).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request line holds the authorization code: never log it

    return Callback


def _hint_spotify_errors(redirect_uri: str) -> None:
    """What to fix when Spotify's page shows an error instead of the login: it never comes back
    here, so this command could only wait."""
    click.echo(
        f'If Spotify shows "INVALID_CLIENT: Invalid redirect URI", add {redirect_uri} under '
        "Redirect URIs in your app's settings on developer.spotify.com/dashboard; \"Invalid "
        'client": check client_id. Then run this again.',
        err=True,
    )


def _error_message(response: requests.Response) -> str:
    """The message of a Web API error answer: ``{"error": {"status", "message"}}``."""
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.reason or f"HTTP {response.status_code}"


def _profile(settings: Settings, access_token: str) -> tuple[str | None, str | None]:
    """The user's ID and display name (``GET /me``); (None, None) if that fails."""
    import requests

    try:
        response = requests.get(
            settings.api_base_url.rstrip("/") + "/me",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.request_timeout_s,
        )
        if response.ok:
            me = response.json()
            return me.get("id"), me.get("display_name")
        logger.warning(
            "logged in, but reading the profile (GET /me) failed: {}",
            explain_http(response.status_code, _error_message(response)),
        )
    except (requests.RequestException, ValueError) as error:
        logger.warning("logged in, but GET /me failed: {}", type(error).__name__)
    return None, None
