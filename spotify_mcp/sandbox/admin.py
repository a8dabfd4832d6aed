"""The admin API under /_sandbox/ (no auth): tokens, faults, request log, reset, revoke, config.

The HTTP layer only; the work is done by `Runtime`, which the Python API of `Sandbox` uses too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .endpoint import bind, json_response
from .faults import FaultError
from .runtime import Runtime
from .tokens import ALL_SCOPES, parse_scopes

AdminHandler = Callable[[Runtime, Request], Awaitable[Response]]


def _error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw.strip() else {}


async def get_token(rt: Runtime, request: Request) -> Response:
    query = request.query_params
    user = query.get("user") or rt.settings.login_user
    scopes = parse_scopes(query.get("scope"))
    if not scopes <= ALL_SCOPES:
        return _error(f"unknown scopes: {' '.join(sorted(scopes - ALL_SCOPES))}")
    raw_expiry = query.get("expires_in")
    if raw_expiry is not None and not raw_expiry.isdigit():
        return _error("expires_in must be a whole number of seconds")
    if user not in rt.state.users:
        return _error(f"unknown user: {user}", 404)
    expires_in = None if raw_expiry is None else int(raw_expiry)
    return json_response(rt.mint_token(user, expires_in, scopes))


async def add_fault(rt: Runtime, request: Request) -> Response:
    try:
        rule = rt.faults.add(await _json_body(request))
    except (FaultError, ValueError) as error:
        return _error(str(error))
    return json_response(rule.as_json(), 201)


async def list_faults(rt: Runtime, request: Request) -> Response:
    return json_response([rule.as_json() for rule in rt.faults.rules])


async def clear_faults(rt: Runtime, request: Request) -> Response:
    rt.faults.clear()
    return Response(status_code=204)


async def list_requests(rt: Runtime, request: Request) -> Response:
    return json_response(list(rt.log.entries))


async def clear_requests(rt: Runtime, request: Request) -> Response:
    rt.log.clear()
    return Response(status_code=204)


async def reset(rt: Runtime, request: Request) -> Response:
    rt.reset()
    return Response(status_code=204)


async def revoke(rt: Runtime, request: Request) -> Response:
    try:
        body = await _json_body(request)
    except ValueError:
        return _error("the body must be JSON")
    if not isinstance(body, dict) or set(body) - {"user", "refresh_token", "access_tokens"}:
        return _error('expected {"user"?, "refresh_token"?, "access_tokens"?}')
    revoked = rt.revoke(
        body.get("user"), body.get("refresh_token"), bool(body.get("access_tokens"))
    )
    return json_response({"revoked": revoked})


async def get_config(rt: Runtime, request: Request) -> Response:
    return json_response(rt.describe_settings())


async def patch_config(rt: Runtime, request: Request) -> Response:
    try:
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return json_response(rt.configure(body))
    except ValueError as error:
        return _error(str(error))


async def get_seed(rt: Runtime, request: Request) -> Response:
    return json_response(rt.describe())


ADMIN_ROUTES: tuple[tuple[str, str, AdminHandler], ...] = (
    ("GET", "/token", get_token),
    ("POST", "/faults", add_fault),
    ("GET", "/faults", list_faults),
    ("DELETE", "/faults", clear_faults),
    ("GET", "/requests", list_requests),
    ("DELETE", "/requests", clear_requests),
    ("POST", "/reset", reset),
    ("POST", "/revoke", revoke),
    ("GET", "/config", get_config),
    ("PATCH", "/config", patch_config),
    ("GET", "/seed", get_seed),
)


def routes(rt: Runtime) -> list[Route]:
    return [
        Route(f"/_sandbox{path}", bind(rt, handler), methods=[method])
        for method, path, handler in ADMIN_ROUTES
    ]
