"""The Starlette application: Web API under /v1, accounts service, admin API, middleware."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import admin, catalog_api, deprecated, library, oauth, player, playlists, profile, search
from .endpoint import Operation, error_response, make_endpoint
from .errors import ApiError
from .middleware import ASGIApp, SandboxMiddleware
from .runtime import Runtime

# Current operations first: routes are tried in order, and these are the ones in use.
API_MODULES = (catalog_api, search, profile, library, playlists, player, deprecated)


def operations() -> list[Operation]:
    """Every Web API operation the sandbox answers (current and removed)."""
    return [op for module in API_MODULES for op in module.ops.items]


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(ApiError(404, "Service not found"))


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(ApiError(405, "Method not allowed"))


def build_app(rt: Runtime) -> ASGIApp:
    routes = [
        Route(f"/v1{op.path}", make_endpoint(rt, op), methods=[op.method]) for op in operations()
    ]
    app = Starlette(
        routes=[*routes, *oauth.routes(rt), *admin.routes(rt)],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    return SandboxMiddleware(app, rt)
