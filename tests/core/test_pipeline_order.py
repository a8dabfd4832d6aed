"""Middleware composition: by numeric order, ties by name (with a warning), config wins."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from loguru import logger
from plugin_kit import core_app

from spotify_mcp import hookimpl
from spotify_mcp.app import App
from spotify_mcp.pipeline import CallNext, Request, Response, compose, endpoint_template


@dataclass
class Tagger:
    """Appends its name to a header on the way in and on the way out."""

    name: str
    order: int

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        request.headers["trail"] = request.headers.get("trail", "") + f">{self.name}"
        response = call_next(request)
        response.headers["trail"] += f"<{self.name}"
        return response


class ProvidesMiddleware:
    def __init__(self, middleware: Tagger) -> None:
        self.middleware = middleware

    @hookimpl
    def request_middleware(self, config):
        return self.middleware


def run_chain(app: App) -> str:
    def transport(request: Request) -> Response:
        return Response(200, {"trail": request.headers["trail"] + "|"})

    response = compose(app.middleware, transport)(Request("GET", "http://x/v1/me"))
    return response.headers["trail"]


def app_with(*taggers: Tagger, **overrides) -> App:
    plugins = [(t.name, ProvidesMiddleware(t)) for t in taggers]
    return core_app(overrides, inline_plugins=plugins)


def test_lower_order_runs_further_out() -> None:
    app = app_with(Tagger("inner", 500), Tagger("outer", 100), Tagger("middle", 300))
    assert run_chain(app) == ">outer>middle>inner|<inner<middle<outer"


def test_config_overrides_the_declared_order() -> None:
    app = app_with(Tagger("a", 100), Tagger("b", 200), pipeline={"order": {"a": 300}})
    assert [mw.name for mw in app.middleware] == ["b", "a"]
    assert run_chain(app) == ">b>a|<a<b"


def test_ties_are_broken_by_name_with_a_warning() -> None:
    warnings: list[str] = []
    sink = logger.add(warnings.append, level="WARNING", format="{message}")
    try:
        app = app_with(Tagger("zeta", 100), Tagger("alpha", 100))
        assert [mw.name for mw in app.middleware] == ["alpha", "zeta"]
    finally:
        logger.remove(sink)
    assert any("alpha and zeta share order 100" in w for w in warnings)


def test_middleware_plugin_that_raises_is_left_out() -> None:
    class Broken:
        @hookimpl
        def request_middleware(self, config):
            raise ValueError("bad settings")

    app = core_app(
        inline_plugins=[("broken_mw", Broken()), ("ok", ProvidesMiddleware(Tagger("ok", 1)))]
    )
    assert [mw.name for mw in app.middleware] == ["ok"]
    assert "bad settings" in app.plugins.info["broken_mw"].error


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/tracks/4uLU6hMCjMI75M1A2tKUQC", "/tracks/{id}"),
        ("/playlists/abc/items", "/playlists/{id}/items"),
        ("/me/tracks/contains", "/me/tracks/contains"),
        ("/users/someone/playlists", "/users/{id}/playlists"),
        ("/me/player/queue", "/me/player/queue"),
    ],
)
def test_endpoint_templates_never_carry_ids(path: str, template: str) -> None:
    assert endpoint_template(path) == template


def test_idempotency_of_requests() -> None:
    api = "http://x/v1"
    assert Request("GET", f"{api}/me").idempotent
    assert Request("PUT", f"{api}/me/player/pause").idempotent
    assert not Request("POST", f"{api}/playlists/abc/items").idempotent
    assert not Request("POST", f"{api}/me/player/queue").idempotent
    assert not Request("POST", f"{api}/me/player/next").idempotent
