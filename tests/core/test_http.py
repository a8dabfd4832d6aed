"""`spotify-mcp serve --http`: MCP over Streamable HTTP behind a bearer token, with the
health plugin's probes and the metrics plugin's /metrics beside it."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from stdio_server import HttpServer, run_cli, sandbox_env, wait_for_request

from spotify_mcp import hookimpl
from spotify_mcp.app import App
from spotify_mcp.config import HttpSettings
from spotify_mcp.http_server import HttpSetupError, McpGuard, http_app
from spotify_mcp.registry import ToolRegistry
from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture(scope="module")
def http_server(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with HttpServer(env=sandbox_env(sandbox), home=tmp_path_factory.mktemp("http")) as server:
        yield server
    assert server.returncode == 0, server.log_text()  # SIGTERM: a clean stop,
    assert server.log_text().rstrip().endswith("stopped")  # after the plugins' shutdown hooks


def test_tools_work_over_http(http_server: HttpServer) -> None:
    names = {tool.name for tool in http_server.list_tools()}
    assert {"search", "playback_state", "playlists_add_items", "health"} <= names
    assert http_server.call_ok("library_get_profile")["name"]


def test_progress_streams_back_in_the_response(
    fresh_sandbox: Sandbox, http_server: HttpServer
) -> None:
    tracks = sorted(fresh_sandbox.runtime.catalog.tracks)[:50]
    items = [f"spotify:track:{track}" for track in tracks] * 5
    result, progress = http_server.call_with_progress(
        "playlists_add_items", {"playlist": EMPTY_PLAYLIST, "items": items}
    )
    assert not result.is_error
    assert result.structured_content["added"] == 250
    assert [done for done, _, _ in progress] == [100, 200, 250]


def test_concurrent_clients_calls(http_server: HttpServer) -> None:
    results = http_server.gather([("playback_devices", {}), ("library_get_profile", {})] * 4)
    assert len(results) == 8 and not any(result.is_error for result in results)


@pytest.mark.parametrize(
    "authorizations",
    [
        [],
        ["Bearer wrong"],
        [HttpServer.TOKEN],
        [f"Bearer {HttpServer.TOKEN}", "Bearer wrong"],  # which one counts? neither
        ["Bearer wrong", f"Bearer {HttpServer.TOKEN}"],
    ],
)
def test_mcp_refuses_a_missing_or_wrong_token(
    http_server: HttpServer, authorizations: list[str]
) -> None:
    status, headers, body = post_raw(http_server, authorizations)
    assert status == 401
    assert headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in json.loads(body)["error"]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
def test_the_scheme_is_case_insensitive(http_server: HttpServer, scheme: str) -> None:
    status, _, _ = post_raw(http_server, [f"{scheme} {HttpServer.TOKEN}"])
    assert status == 200


def post_raw(server: HttpServer, authorizations: list[str]) -> tuple[int, dict[str, str], str]:
    """tools/list with these Authorization headers (requests sends at most one)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps(LIST_TOOLS)
    connection.putrequest("POST", "/mcp")
    for name, value in [*MCP_HEADERS.items(), ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    for authorization in authorizations:
        connection.putheader("Authorization", authorization)
    connection.endheaders(body.encode())
    reply = connection.getresponse()
    try:
        headers = {name.lower(): value for name, value in reply.getheaders()}
        return reply.status, headers, reply.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "PUT"])
def test_a_get_opens_no_stream_that_would_hold_up_shutdown(
    http_server: HttpServer, method: str
) -> None:
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {HttpServer.TOKEN}"}
    reply = requests.request(method, http_server.url(), headers=headers, timeout=10)
    assert reply.status_code == 405 and reply.headers["Allow"] == "POST"


def test_a_malformed_message_gets_a_protocol_error(http_server: HttpServer) -> None:
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {HttpServer.TOKEN}"}
    reply = requests.post(http_server.url(), data='{"jsonrpc":', headers=headers, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == -32700
    assert http_server.call_ok("server_info")["tools"] > 0  # still serving


def test_probes_are_open_and_say_live_and_ready(sandbox: Sandbox, http_server: HttpServer) -> None:
    live = requests.get(http_server.url("/healthz"), timeout=30)
    assert live.status_code == 200
    assert live.json()["live"] is True
    assert {check["kind"] for check in live.json()["checks"]} == {"liveness"}
    ready = requests.get(http_server.url("/readyz"), timeout=30)
    assert ready.status_code == 200 and ready.json()["ready"] is True
    # Open to anyone: what passed is not described (the account, local paths).
    assert all("detail" not in check for check in ready.json()["checks"]), ready.json()

    sandbox.add_fault(method="GET", path="/v1/me", status=503)
    try:
        give_up = time.monotonic() + 30  # an earlier probe's report is reused for a while
        while (not_ready := requests.get(http_server.url("/readyz"), timeout=30)).ok:
            assert time.monotonic() < give_up, "readiness never failed"
            time.sleep(0.5)
        still_live = requests.get(http_server.url("/healthz"), timeout=30)
    finally:
        sandbox.clear_faults()
    assert not_ready.json()["ready"] is False
    failed = [check for check in not_ready.json()["checks"] if not check["ok"]]
    assert [check["name"] for check in failed] == ["spotify"]
    assert "answered HTTP 503" in failed[0]["detail"]  # what is wrong is said
    assert still_live.status_code == 200  # Spotify down is no reason to restart


def test_probes_in_quick_succession_ask_spotify_once(
    sandbox: Sandbox, http_server: HttpServer
) -> None:
    def asked() -> int:
        return sum(entry["path"] == "/v1/me" for entry in sandbox.requests())

    requests.get(http_server.url("/readyz"), timeout=30)  # may reuse an earlier test's run
    before = asked()
    for _ in range(5):
        assert "ready" in requests.get(http_server.url("/readyz"), timeout=30).json()
    assert asked() - before <= 1


def test_metrics_are_served_beside_mcp(http_server: HttpServer) -> None:
    http_server.call_ok("playback_devices")
    reply = requests.get(http_server.url("/metrics"), timeout=30)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert 'spotify_mcp_tool_calls_total{outcome="ok",tool="playback_devices"}' in reply.text
    assert "spotify_mcp_breaker_state" in reply.text  # the pipeline's own metrics, too


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.2"])  # .2: no DNS-rebinding check
def test_no_token_off_the_guarded_loopback_is_refused(tmp_path: Path, host: str) -> None:
    result = run_cli("serve", "--http", "--host", host, env={"SPOTIFY_MCP_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "SPOTIFY_MCP_HTTP__BEARER_TOKEN" in result.stderr


def test_a_taken_port_is_a_plain_error_before_anything_starts(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        result = run_cli("serve", "--http", "--port", port, env={"SPOTIFY_MCP_HOME": str(tmp_path)})
    assert result.returncode == 1, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "MCP over HTTP at" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("token", ["", "   ", "short"])
def test_a_blank_or_short_token_is_refused(tmp_path: Path, token: str) -> None:
    env = {"SPOTIFY_MCP_HOME": str(tmp_path), "SPOTIFY_MCP_HTTP__BEARER_TOKEN": token}
    result = run_cli("serve", "--http", "--host", "0.0.0.0", env=env)
    assert result.returncode == 2
    assert "at least 16 characters" in result.stderr


@pytest.mark.parametrize("grace", ["inf", "-1", "nan"])
def test_a_shutdown_grace_that_is_no_duration_is_refused(tmp_path: Path, grace: str) -> None:
    env = {"SPOTIFY_MCP_HOME": str(tmp_path), "SPOTIFY_MCP_HTTP__SHUTDOWN_GRACE_S": grace}
    result = run_cli("serve", "--http", env=env)
    assert result.returncode != 0 and "shutdown_grace_s" in result.stderr
    assert "Traceback" not in result.stderr


def test_host_and_port_belong_to_http(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "8000", env={"SPOTIFY_MCP_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "--host and --port are for --http" in result.stderr


class RoutesPlugin:
    """Serves ``routes`` over HTTP, or raises ``error`` when asked for them; one tool."""

    def __init__(self, routes: list[Route], error: Exception | None = None) -> None:
        self.routes, self.error = routes, error

    @hookimpl
    def http_routes(self, app: App) -> list[Route]:
        if self.error is not None:
            raise self.error
        return self.routes

    @hookimpl
    def register_tools(self, registry: ToolRegistry) -> None:
        registry.add(routes_plugin_tool, title="Ping", read_only=True, open_world=False)


class Pong(BaseModel):
    text: str


def routes_plugin_tool() -> Pong:
    """Answer pong."""
    return Pong(text="pong")


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def served(
    plugins: list[tuple[str, object]], settings: HttpSettings | None = None
) -> tuple[App, dict[str, Any]]:
    """The app and its HTTP routes by path."""
    app = App.create(inline_plugins=plugins)
    http = http_app(app, settings or HttpSettings())
    assert isinstance(http, McpGuard) and isinstance(http.app, Starlette)
    return app, {getattr(route, "path", None): route for route in http.app.routes}


def test_a_plugin_serves_its_routes_beside_mcp() -> None:
    _, routes = served([("hello", RoutesPlugin([Route("/hello", hello)]))])
    assert {"/mcp", "/hello", "/healthz", "/readyz", "/metrics"} <= set(routes)


def test_a_path_already_served_is_not_taken_over() -> None:
    _, routes = served([("greedy", RoutesPlugin([Route("/metrics", hello)]))])
    assert routes["/metrics"].endpoint is not hello


@pytest.mark.parametrize(
    ("path", "route", "plugin"),
    [
        ("/", "/healthz", "health"),  # the probes behind MCP's token
        ("/metrics", "/metrics", "metrics"),  # the scrape answered by MCP
        ("/healthz/", "/healthz", "health"),
        ("/mcp", "/mcp", "greedy"),
        ("/mcp", "/mcp/status", "greedy"),
    ],
)
def test_mcp_at_or_above_a_plugin_route_is_refused(path: str, route: str, plugin: str) -> None:
    greedy = ("greedy", RoutesPlugin([Route(route, hello)]))
    with pytest.raises(HttpSetupError, match=f"http.path {path} collides with {plugin}'s {route}"):
        served([greedy], HttpSettings(path=path))


def test_mcp_below_a_plugin_route_is_no_clash_unless_it_is_a_mount() -> None:
    _, routes = served([], HttpSettings(path="/readyz/mcp"))  # /readyz matches only itself
    assert {"/readyz", "/readyz/mcp"} <= set(routes)
    admin = ("admin", RoutesPlugin([Mount("/admin", routes=[Route("/mcp", hello)])]))
    with pytest.raises(HttpSetupError, match=r"http\.path /admin/mcp collides with admin's"):
        served([admin], HttpSettings(path="/admin/mcp"))  # a Mount answers all under it


def test_a_plugin_failing_to_give_routes_is_left_out_entirely() -> None:
    app, routes = served([("flaky", RoutesPlugin([], error=RuntimeError("no routes today")))])
    assert "no routes today" in (app.plugins.info["flaky"].error or "")
    assert "routes_plugin_tool" not in {spec.name for spec in app.tools}
    assert "/healthz" in routes  # the others are served


def test_sigterm_lets_a_call_in_flight_finish(sandbox: Sandbox, tmp_path: Path) -> None:
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "library_get_profile", "arguments": {}},
    }
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {HttpServer.TOKEN}"}
    sandbox.add_fault(method="GET", path="/v1/me", latency_ms=1500, times=1)
    try:
        with (
            HttpServer(env=sandbox_env(sandbox), home=tmp_path, connect=False) as server,
            ThreadPoolExecutor(1) as pool,
        ):
            answer = pool.submit(
                requests.post, server.url(), json=call, headers=headers, timeout=30
            )
            wait_for_request(sandbox, "/v1/me")
            server.process.terminate()  # SIGTERM while Spotify takes its time
            reply = answer.result(timeout=30)  # cut off, this raised ChunkedEncodingError
    finally:
        sandbox.clear_faults()
    assert reply.status_code == 200
    event = json.loads(reply.text.split("data: ", 1)[1])
    assert event["id"] == 7 and not event["result"]["isError"], event
    assert event["result"]["structuredContent"]["name"]
    assert server.returncode == 0, server.log_text()


def test_a_client_that_hangs_up_does_not_cut_a_change_short(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> None:
    """MCP: a dropped connection is not a cancel; the change is finished, not left at 100
    of 250. (The token comes from a secret file, trailing newline and all.)"""
    env = {**sandbox_env(fresh_sandbox), "SPOTIFY_MCP_HTTP__BEARER_TOKEN": HttpServer.TOKEN + "\n"}
    tracks = [f"spotify:track:{t}" for t in sorted(fresh_sandbox.runtime.catalog.tracks)[:250]]
    path = f"/v1/playlists/{EMPTY_PLAYLIST}/items"
    fresh_sandbox.add_fault(method="POST", path=path, latency_ms=300, times=3)
    arguments = {"playlist": EMPTY_PLAYLIST, "items": tracks}
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body = json.dumps({**call, "params": {"name": "playlists_add_items", "arguments": arguments}})
    with HttpServer(env=env, home=tmp_path) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {HttpServer.TOKEN}"}
        connection.request("POST", "/mcp", body=body, headers=headers)
        wait_for_request(fresh_sandbox, path)
        connection.close()  # hung up while the first of three requests is at Spotify
        wait_for_request(fresh_sandbox, path, count=3)
        deadline = time.monotonic() + 30
        while server.call_ok("playlists_get", playlist=EMPTY_PLAYLIST)["total"] < 250:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_after_the_shutdown_grace_a_long_change_stops_at_its_next_chunk(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A hung-up client cuts nothing short, but the server's own stopping does, once the
    grace has run out: the process does not outlive it by the rest of the change."""
    env = {**sandbox_env(fresh_sandbox), "SPOTIFY_MCP_HTTP__SHUTDOWN_GRACE_S": "1"}
    tracks = [f"spotify:track:{t}" for t in sorted(fresh_sandbox.runtime.catalog.tracks)[:100]]
    path = f"/v1/playlists/{EMPTY_PLAYLIST}/items"
    fresh_sandbox.add_fault(method="POST", path=path, latency_ms=500, times=None)
    arguments = {"playlist": EMPTY_PLAYLIST, "items": tracks * 10}  # 10 requests: 5 s
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    body = json.dumps({**call, "params": {"name": "playlists_add_items", "arguments": arguments}})
    try:
        with HttpServer(env=env, home=tmp_path, connect=False) as server:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            headers = {**MCP_HEADERS, "Authorization": f"Bearer {HttpServer.TOKEN}"}
            connection.request("POST", "/mcp", body=body, headers=headers)
            wait_for_request(fresh_sandbox, path)
            server.process.terminate()
            server.process.wait(timeout=30)
            connection.close()
    finally:
        fresh_sandbox.clear_faults()
    assert sum(entry["path"] == path for entry in fresh_sandbox.requests()) < 10


# -- slow clients -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient_http(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpServer]:
    """A server that gives a request 1 s to arrive in full."""
    env = {**sandbox_env(sandbox), "SPOTIFY_MCP_HTTP__READ_TIMEOUT_S": "1"}
    with HttpServer(env=env, home=tmp_path_factory.mktemp("impatient-http")) as server:
        yield server


def cut_off(server: HttpServer, sent: bytes) -> bool:
    """Whether the server hangs up on a client that sends ``sent`` and then nothing."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as client:
        client.sendall(sent)
        try:
            return client.recv(4096) == b""  # an answer would mean the request was read
        except ConnectionResetError:
            return True


@pytest.mark.parametrize(
    "sent",
    [
        b"",  # connected, silent
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor",  # headers trickling in
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"  # a body
        + f"Authorization: Bearer {HttpServer.TOKEN}\r\n\r\n{{".encode(),  # past the guard
    ],
    ids=["nothing", "half the headers", "a tenth of the body"],
)
def test_a_client_too_slow_to_send_its_request_is_cut_off(
    impatient_http: HttpServer, sent: bytes
) -> None:
    assert cut_off(impatient_http, sent)
    assert impatient_http.call_ok("server_info")["version"]  # the others are served


def test_a_call_longer_than_the_read_timeout_is_answered(
    impatient_http: HttpServer, sandbox: Sandbox
) -> None:
    sandbox.add_fault(method="GET", path="/v1/me", latency_ms=2500, times=1)
    try:
        assert impatient_http.call_ok("library_get_profile")["name"]  # 2.5 s at Spotify
    finally:
        sandbox.clear_faults()


def test_a_read_timeout_that_is_no_duration_is_refused(tmp_path: Path) -> None:
    env = {"SPOTIFY_MCP_HOME": str(tmp_path), "SPOTIFY_MCP_HTTP__READ_TIMEOUT_S": "0"}
    result = run_cli("serve", "--http", env=env)
    assert result.returncode != 0 and "read_timeout_s" in result.stderr


def test_a_request_queued_behind_a_long_call_on_its_connection_is_not_cut_off(
    impatient_http: HttpServer, sandbox: Sandbox
) -> None:
    """HTTP/1.1 pipelining: uvicorn stops reading while the first call runs, so the second
    request's body waits on the server, not on the client."""
    sandbox.add_fault(method="GET", path="/v1/me/player", latency_ms=2500, times=1)  # no cache

    def post(request_id: int, tool: str, closing: bool) -> tuple[bytes, bytes]:
        call = {"name": tool, "arguments": {}}
        body = json.dumps(
            {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": call}
        )
        headers = {
            **MCP_HEADERS,
            "Host": f"127.0.0.1:{impatient_http.port}",
            "Authorization": f"Bearer {HttpServer.TOKEN}",
            "Content-Length": str(len(body)),
            **({"Connection": "close"} if closing else {}),
        }
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return f"POST /mcp HTTP/1.1\r\n{head}\r\n".encode(), body.encode()

    try:
        with socket.create_connection(("127.0.0.1", impatient_http.port), timeout=30) as client:
            client.sendall(b"".join(post(1, "playback_state", closing=False)))
            time.sleep(0.2)  # the first call is running
            head, body = post(2, "server_info", closing=True)
            client.sendall(head)
            time.sleep(0.2)  # the body in a packet of its own, after uvicorn paused reading
            client.sendall(body)
            answers = b""
            while chunk := client.recv(65536):
                answers += chunk
    finally:
        sandbox.clear_faults()
    assert answers.count(b"HTTP/1.1 200") == 2, answers[:500]
