"""The Spotify session: a spotipy client whose every HTTP request runs the pipeline.

spotipy sends every request through ``self._session.request(...)``; we hand it a
``requests.Session`` whose ``request`` builds a :class:`~spotify_mcp.pipeline.Request`,
runs the middleware chain and, innermost, the transport: it adds the access token, sends
with urllib3 retries off (the retry and limiter middleware own that), and after a 401
asks the credentials for a fresh token once.
"""

from __future__ import annotations

import http
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
import spotipy
import urllib3
from loguru import logger
from requests.structures import CaseInsensitiveDict

from spotify_mcp.auth import Credentials
from spotify_mcp.pipeline import (
    ConnectError,
    ConnectionLost,
    Middleware,
    Request,
    RequestTimeout,
    Response,
    TransportError,
    compose,
)
from spotify_mcp.progress import stop_if_cancelled

#: The session type tools receive: spotipy's client, with its HTTP going through the pipeline.
Spotify: TypeAlias = spotipy.Spotify

_POOL_SIZE = 32  # lookups fan out concurrently; one pooled connection per worker thread


class PipelineHTTP(requests.Session):
    """The ``requests.Session`` spotipy uses: its one door to the network."""

    def __init__(
        self,
        middleware: Sequence[Middleware],
        credentials: Credentials,
        api_base_url: str,
        timeout: float,
    ) -> None:
        super().__init__()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=_POOL_SIZE, max_retries=0
        )
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.credentials = credentials
        self.api_path = urlsplit(api_base_url).path.rstrip("/")
        self.timeout = timeout
        self.call = compose(middleware, self._transport)

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **_: Any,
    ) -> requests.Response:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update({k: str(v) for k, v in (params or {}).items() if v is not None})
        request = Request(
            method=method.upper(),
            url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            params=query,
            headers=dict(headers or {}),
            body=data.encode() if isinstance(data, str) else data,
            account=self.credentials.account,
            api_path=self.api_path,
            timeout=timeout or self.timeout,
        )
        return _to_requests(self.call(request), url)

    def _transport(self, request: Request) -> Response:
        token = self.credentials.access_token()
        request.account = self.credentials.account  # the login may have changed meanwhile
        response = self._send(request, token)
        if response.status == 401:
            fresh = self.credentials.refresh(rejected=token)
            if fresh is not None:
                request.account = self.credentials.account
                response = self._send(request, fresh)
        return response

    def _send(self, request: Request, token: str) -> Response:
        stop_if_cancelled()  # a request that waited (a rate limit) for a call since cancelled
        started = time.perf_counter()
        try:
            raw = super().request(
                request.method,
                request.url,
                params=request.params,
                data=request.body,
                headers={**request.headers, "Authorization": f"Bearer {token}"},
                timeout=request.attempt_timeout(),
            )
        except requests.RequestException as error:
            raise _classify(error) from None
        logger.debug(
            "{} {} -> {} in {:.1f} ms",
            request.method,
            request.endpoint,
            raw.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return Response(raw.status_code, dict(raw.headers), raw.content)


def _classify(error: requests.RequestException) -> TransportError:
    """Tell "never sent" from "sent, answer lost": only the first is safe to repeat."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return ConnectError(f"connection timed out: {error.request.url if error.request else ''}")
    if isinstance(error, requests.exceptions.Timeout):
        return RequestTimeout("no answer in time")
    cause = error.args[0] if error.args else None
    if isinstance(cause, urllib3.exceptions.MaxRetryError) and isinstance(
        cause.reason, urllib3.exceptions.NewConnectionError
    ):
        return ConnectError("connection refused")
    return ConnectionLost(f"connection lost ({type(cause or error).__name__})")


def _to_requests(response: Response, url: str) -> requests.Response:
    converted = requests.Response()
    converted.status_code = response.status
    converted.headers = CaseInsensitiveDict(response.headers)
    converted._content = response.body
    converted.url = url
    converted.encoding = "utf-8"
    try:
        converted.reason = http.HTTPStatus(response.status).phrase
    except ValueError:
        converted.reason = ""
    return converted


def build_session(
    middleware: Sequence[Middleware],
    credentials: Credentials,
    api_base_url: str,
    timeout: float = 10.0,
) -> Spotify:
    """A spotipy client for ``api_base_url`` whose requests run through ``middleware``."""
    http_session = PipelineHTTP(middleware, credentials, api_base_url, timeout)
    client: Spotify = spotipy.Spotify(requests_session=http_session, requests_timeout=timeout)
    client.prefix = api_base_url.rstrip("/") + "/"
    return client
