"""The ``metrics`` plugin: Prometheus metrics of tool calls and Spotify requests, and /metrics.

The outermost middleware (order 100): it times each request as the tool sees it, cache hits
included, labelled by endpoint template (IDs never become labels). With ``serve
--metrics-port N`` it serves the default registry, so every plugin's metrics, on
127.0.0.1:N beside the stdio server; with ``serve --http``, also at /metrics beside MCP.
"""

from __future__ import annotations

import functools
import re
import time
import weakref
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio
from loguru import logger
from pydantic import BaseModel, Field
from starlette.requests import Request as HttpRequest
from starlette.responses import Response as HttpResponse
from starlette.routing import Route

from spotify_mcp import hookimpl
from spotify_mcp.errors import MaybeMade, SpotifyMCPError
from spotify_mcp.pipeline import CallNext, Request, Response, TransportError

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from spotify_mcp.app import App
    from spotify_mcp.config import Config

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_TOOL_BUCKETS = (*_LATENCY_BUCKETS, 30, 60)


class _Instruments(NamedTuple):
    tool_calls: Counter
    tool_duration: Histogram
    requests: Counter
    request_duration: Histogram


@functools.cache
def _instruments() -> _Instruments:
    """Registered on first use: importing prometheus_client at startup slows tools/list."""
    from prometheus_client import Counter, Histogram

    return _Instruments(
        Counter(
            "spotify_mcp_tool_calls_total",
            "MCP tool calls, by tool and outcome.",
            ["tool", "outcome"],
        ),
        Histogram(
            "spotify_mcp_tool_call_duration_seconds",
            "Duration of MCP tool calls, argument validation included.",
            ["tool"],
            buckets=_TOOL_BUCKETS,
        ),
        Counter(
            "spotify_mcp_spotify_requests_total",
            "Spotify Web API requests, by method, endpoint template, HTTP status (or the error "
            "that stopped the request, e.g. connection_lost, circuit_open) and cache result.",
            ["method", "endpoint", "status", "cache"],
        ),
        Histogram(
            "spotify_mcp_spotify_request_duration_seconds",
            "Duration of Spotify Web API requests as tools see them (cache hits, retries and "
            "waits included), by method, endpoint template and cache result.",
            ["method", "endpoint", "cache"],
            buckets=_LATENCY_BUCKETS,
        ),
    )


_known_tools: set[str] = set()  # names seen at startup: a client's unknown name is no label
_servers: weakref.WeakKeyDictionary[App, Any] = weakref.WeakKeyDictionary()


class MetricsSettings(BaseModel):
    port: int | None = Field(
        None, ge=0, le=65535, description="Serve /metrics on this port (0: any free port)."
    )
    host: str = Field("127.0.0.1", description="Address /metrics binds to.")


class Metrics:
    """Counts and times every request; cheap: labelled children are looked up once."""

    name = "metrics"
    order = 100

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
        self._instruments = _instruments()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        started = time.perf_counter()
        status = "cancelled"  # unless it ends otherwise: only a cancellation skips the rest
        try:
            response = call_next(request)
            status = str(response.status)
            return response
        except Exception as error:
            status = error_kind(error)
            raise
        finally:
            count, duration = self._labelled(
                request.method, request.endpoint, status, request.extensions.get("cache", "none")
            )
            count.inc()
            duration.observe(time.perf_counter() - started)

    def _labelled(self, method: str, endpoint: str, status: str, cache: str) -> tuple[Any, Any]:
        key = (method, endpoint, status, cache)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self._instruments.requests.labels(method, endpoint, status, cache),
                self._instruments.request_duration.labels(method, endpoint, cache),
            )
        return children


def error_kind(error: Exception) -> str:
    """A label for a request that ended in an error: the HTTP status it carries (a 5xx that
    retry would not repeat), else its kind: ``ConnectionLost`` -> ``connection_lost``."""
    if isinstance(error, MaybeMade):  # what stopped it, as for any other request
        error = error.error
    status = getattr(error, "status", None)
    if isinstance(status, int):
        return str(status)
    if isinstance(error, TransportError | SpotifyMCPError):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()
    return "error"


# -- hooks ------------------------------------------------------------------------------


@hookimpl
def plugin_settings() -> type[BaseModel]:
    return MetricsSettings


@hookimpl
def request_middleware(config: Config) -> Metrics:
    return Metrics()


@hookimpl
def tool_called(name: str, outcome: str, duration_s: float) -> None:
    tool = name if name in _known_tools else "unknown"
    instruments = _instruments()
    instruments.tool_calls.labels(tool, outcome).inc()
    instruments.tool_duration.labels(tool).observe(duration_s)


@hookimpl
def startup(app: App) -> None:
    _known_tools.update(spec.name for spec in app.tools)
    settings = app.config.section("metrics", MetricsSettings)
    if settings.port is None:
        return
    from prometheus_client import start_http_server

    # Build the pipeline now, so every middleware's metrics are on /metrics from the start.
    pipeline = [mw.name for mw in app.middleware]
    try:
        server, thread = start_http_server(settings.port, addr=settings.host)
    except OSError as error:
        logger.error("metrics not served on {}:{}: {}", settings.host, settings.port, error)
        return
    _servers[app] = (server, thread)
    logger.info(
        "metrics at http://{}:{}/metrics (pipeline: {})",
        settings.host,
        server.server_port,
        " -> ".join(pipeline),
    )


@hookimpl
def http_routes(app: App) -> list[Route]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    async def scrape(request: HttpRequest) -> HttpResponse:
        body = await anyio.to_thread.run_sync(generate_latest)  # collectors may read disk
        return HttpResponse(body, media_type=CONTENT_TYPE_LATEST)

    app.middleware  # noqa: B018  (builds the pipeline: every middleware's metrics from the start)
    return [Route("/metrics", scrape)]


@hookimpl
def shutdown(app: App) -> None:
    served = _servers.pop(app, None)
    if served is not None:
        server, thread = served
        server.shutdown()
        server.server_close()
        thread.join()
