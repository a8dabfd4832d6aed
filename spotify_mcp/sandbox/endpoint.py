"""The Web API endpoint layer: operations, authentication, scopes, parameters and replies.

A handler is a plain synchronous function of a `Call`; it runs on the event loop (so state
is only ever mutated there), returns something JSON-able (or None for an empty reply) and
raises `ApiError` for anything Spotify answers with an error.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from .errors import INSUFFICIENT_SCOPE, ApiError, bad_request, forbidden, not_found
from .fields import parse_fields, select
from .ids import is_id, parse_uri
from .paging import paging_object
from .resume import SCOPE as RESUME_SCOPE
from .resume import with_resume_points
from .tokens import Grant

if TYPE_CHECKING:
    from .catalog import Track
    from .runtime import Runtime
    from .state import User

JSON_TYPE = "application/json; charset=utf-8"
NO_CONTENT = object()  # a handler's way to answer 204 where the operation usually has a body
_MARKET_RE = re.compile(r"[A-Z]{2}|from_token")

Handler = Callable[["Call"], Any]


def split_list(value: str) -> list[str]:
    """The items of a comma-separated parameter, stripped, empty ones dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # as in openapi.yml, without the /v1 prefix
    handler: Handler
    scopes: tuple[str, ...] = ()  # the token needs at least one of these
    user: bool = False  # needs a user token (client-credentials tokens get 403)
    status: int = 200  # status of a successful reply
    flat_errors: bool = False  # 400s repeat the ErrorObject at the top (see error_body)
    fields: bool = False  # takes the `fields` filter (fields.py)


class Operations:
    """The operations of one module, registered with `@ops.get(path, ...)` and friends."""

    def __init__(self) -> None:
        self.items: list[Operation] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        scopes: str = "",
        status: int = 200,
        flat_errors: bool = False,
        fields: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            # /me paths and scoped operations act for a user; the others read the catalogue.
            needs_user = path.startswith("/me") or bool(scopes)
            scope_list = tuple(scopes.split())
            op = Operation(
                method, path, handler, scope_list, needs_user, status, flat_errors, fields
            )
            self.items.append(op)
            return handler

        return register

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **options)


class Call:
    """One API request as a handler sees it, with Spotify's parameter rules."""

    __slots__ = ("body", "grant", "params", "query", "request", "rt", "user")

    def __init__(
        self, rt: Runtime, request: Request, grant: Grant, user: User | None, body: bytes
    ) -> None:
        self.rt = rt
        self.request = request
        self.grant = grant
        self.user = user
        self.params: Mapping[str, str] = request.path_params
        self.query: QueryParams = request.query_params
        self.body = body

    @property
    def me(self) -> User:
        if self.user is None:  # guarded by Operation.user; kept for type narrowing
            raise forbidden(INSUFFICIENT_SCOPE)
        return self.user

    def require_scope(self, *any_of: str) -> None:
        if self.grant.scopes.isdisjoint(any_of):
            raise forbidden(INSUFFICIENT_SCOPE)

    # -- parameters ------------------------------------------------------------------------

    def id(self, name: str = "id") -> str:
        """A base62 path parameter; 400 when malformed, as Spotify answers."""
        value = self.params[name]
        if not is_id(value):
            raise bad_request("Invalid base62 id")
        return value

    def required(self, name: str) -> str:
        value = self.query.get(name)
        if not value:
            raise bad_request(f"Missing required parameter: {name}")
        return value

    def integer(self, name: str, default: int | None, low: int, high: int | None) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            if default is None:
                raise bad_request(f"Missing required parameter: {name}")
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"Invalid {name}") from None
        if value < low or (high is not None and value > high):
            raise bad_request(f"Invalid {name}")
        return value

    def limit(self, default: int = 20, maximum: int = 50) -> int:
        return self.integer("limit", default, 1, maximum)

    def offset(self, maximum: int | None = None) -> int:
        return self.integer("offset", 0, 0, maximum)

    def uri_list(self, maximum: int) -> list[str]:
        """The comma-separated `uris` query parameter, at most `maximum` of them."""
        uris = split_list(self.required("uris"))
        if len(uris) > maximum:
            raise bad_request(f"Too many ids requested (maximum {maximum})")
        return uris

    def playables(self, uris: Any) -> list[Track]:
        """Catalogue items for a list of track/episode URIs; 400 for malformed or unknown."""
        if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
            raise bad_request("Invalid uris")
        items = []
        for uri in uris:
            parsed = parse_uri(uri)
            if parsed is None or parsed[0] not in ("track", "episode"):
                raise bad_request(f"Invalid track uri: {uri}")
            item = self.rt.catalog.playable(uri)
            if item is None:
                raise bad_request("Payload contains a non-existing ID")
            items.append(item)
        return items

    def json(self) -> Any:
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise bad_request("Error parsing JSON.") from None

    # -- replies ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """This request's absolute URL without the query, from its own Host header."""
        scope = self.request.scope
        host = self.request.headers.get("host") or "{}:{}".format(*scope["server"])
        return f"{scope['scheme']}://{host}{scope['path']}"

    @property
    def full_url(self) -> str:
        query = self.request.scope["query_string"].decode("latin-1")
        return f"{self.url}?{query}" if query else self.url

    def page(
        self,
        items: list[Any],
        limit: int,
        offset: int,
        shape: Callable[[Any], Any] | None = None,
        max_offset: int | None = None,
    ) -> dict[str, Any]:
        """A paging object whose links repeat this request's other query parameters."""
        params = [(k, v) for k, v in self.query.multi_items() if k not in ("offset", "limit")]
        return paging_object(
            self.url, items, offset, limit, shape=shape, params=params, max_offset=max_offset
        )


def lookup(table: Mapping[str, Any], ident: str) -> Any:
    """`table[ident]`, or Spotify's 404."""
    found = table.get(ident)
    if found is None:
        raise not_found()
    return found


def authenticate(rt: Runtime, authorization: str | None) -> Grant:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("No token provided")
    grant = rt.tokens.access.get(token.strip())
    if grant is None:
        raise _unauthorized("Invalid access token")
    if time.time() >= grant.expires_at:
        raise _unauthorized("The access token expired")
    return grant


def _unauthorized(message: str) -> ApiError:
    challenge = f'Bearer realm="spotify", error="invalid_token", error_description="{message}"'
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers, JSON_TYPE)


def error_response(error: ApiError, *, flat: bool = False) -> Response:
    return Response(error.body(flat=flat), error.status, error.headers, JSON_TYPE)


def bind(
    rt: Runtime, handler: Callable[[Runtime, Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint that passes the runtime along (accounts and admin routes)."""

    async def endpoint(request: Request) -> Response:
        return await handler(rt, request)

    return endpoint


def make_endpoint(rt: Runtime, op: Operation) -> Callable[[Request], Any]:
    """The Starlette endpoint that authenticates, checks scopes, runs `op.handler`, then puts
    the user's resume points in its reply and applies the `fields` filter."""

    async def endpoint(request: Request) -> Response:
        try:
            grant = authenticate(rt, request.headers.get("authorization"))
            user = rt.state.users.get(grant.user) if grant.user else None
            if (op.user and user is None) or (op.scopes and grant.scopes.isdisjoint(op.scopes)):
                raise forbidden(INSUFFICIENT_SCOPE)
            market = request.query_params.get("market")
            if market is not None and not _MARKET_RE.fullmatch(market):
                raise bad_request("Invalid market code")
            body = await request.body() if request.method != "GET" else b""
            result = op.handler(Call(rt, request, grant, user, body))
            if user is not None and RESUME_SCOPE in grant.scopes:
                result = with_resume_points(result, user.player)
            fields = request.query_params.get("fields") if op.fields else None
            if fields:  # last: it selects from what the user would see
                result = select(result, parse_fields(fields))
        except ApiError as error:
            return error_response(error, flat=op.flat_errors and error.status == 400)
        if result is NO_CONTENT:
            return Response(status_code=204)
        if result is None:
            return Response(status_code=op.status)
        return json_response(result, op.status)

    return endpoint
