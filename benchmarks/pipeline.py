"""What the middleware pipeline costs: per Spotify request, and per cached tool call over stdio.

Against the sandbox, run in its own process (so it does not share our GIL), in one run:

1. Added cost per request, cache miss path: the same GET through a bare spotipy session (the
   same PipelineHTTP session type, no middleware) and through every installed middleware
   plugin, interleaved so both see the same load. Each request has its own query string, so
   the cache misses (and stores the reply, as a miss does). Target: median difference
   <= 0.3 ms. The limiter gets a rate no request can reach: this measures overhead, not pacing.
2. The same pipeline around a stub transport (no network): its cost without network noise.
3. A cached read tool call over stdio: ``spotify-mcp serve`` driven by the mcp client, calling
   ``library_get_profile`` repeatedly; the second and later calls are cache hits.
   Target: median round trip <= 2 ms.
4. The same over HTTP (``serve --http``, stateless: each call is a POST of its own), then
   cached calls from 8 clients at once: calls per second.

    python benchmarks/pipeline.py [--requests 2000] [--calls 300]
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import requests
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from spotify_mcp.app import App
from spotify_mcp.logs import setup_logging
from spotify_mcp.pipeline import Request, Response, compose
from spotify_mcp.session import build_session

WARMUP = 200
UNLIMITED = {"rate_per_s": 1e9, "burst": 10**9}


@contextmanager
def sandbox_process() -> Iterator[str]:
    """``spotify-mcp sandbox`` in a child process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "spotify_mcp", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[int(len(ordered) * 0.9)]
    return f"median {statistics.median(ordered) * 1000:7.3f} ms  p90 {p90 * 1000:7.3f} ms"


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def per_request(app: App, count: int) -> None:
    chain = app.middleware
    print("pipeline:", " -> ".join(f"{mw.name}({app.effective_order(mw)})" for mw in chain))
    bare = build_session([], app.credentials, app.api_base_url)
    piped = build_session(chain, app.credentials, app.api_base_url)
    queries = itertools.count()
    for _ in range(WARMUP):
        bare._get("me", bench=next(queries))
        piped._get("me", bench=next(queries))
    bare_times, piped_times = [], []
    for _ in range(count):  # interleaved: both see the same machine and sandbox state
        bare_times.append(timed(lambda: bare._get("me", bench=next(queries))))
        piped_times.append(timed(lambda: piped._get("me", bench=next(queries))))
    added = statistics.median(piped_times) - statistics.median(bare_times)
    paired = statistics.median(p - b for p, b in zip(piped_times, bare_times, strict=True))
    print(f"1. GET /me, bare spotipy session      {ms(bare_times)}")
    print(f"   GET /me, whole pipeline (miss)     {ms(piped_times)}")
    print(
        f"   added by the pipeline: {added * 1000:.3f} ms (difference of medians), "
        f"{paired * 1000:.3f} ms (median of paired differences); target <= 0.3 ms"
    )

    def stub(request: Request) -> Response:
        return Response(200, {"Content-Type": "application/json"}, b'{"id": "x"}')

    call = compose(chain, stub)
    url, account = f"{app.api_base_url}/me", app.credentials.account
    requests_ = [Request("GET", url, {"bench": f"stub{i}"}, account=account) for i in range(count)]
    stub_times = [timed(lambda r=request: call(r)) for request in requests_]
    print(f"2. whole pipeline, stub transport     {ms(stub_times)}")


async def tool_round_trips(server: Any, calls: int) -> tuple[float, list[float]]:
    """``server``: what ``mcp.Client`` connects to (a transport, or an HTTP URL)."""
    async with Client(server, read_timeout_seconds=60) as client:
        started = time.perf_counter()
        first = await client.call_tool("library_get_profile", {})
        first_s = time.perf_counter() - started
        assert not first.is_error, first.content
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool("library_get_profile", {})
            times.append(time.perf_counter() - started)
            assert not result.is_error, result.content
    return first_s, times


async def calls_per_second(url: str, clients: int, calls_each: int) -> float:
    async def one_client() -> None:
        async with Client(url, read_timeout_seconds=60) as client:
            for _ in range(calls_each):
                assert not (await client.call_tool("library_get_profile", {})).is_error

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(clients):
            group.start_soon(one_client)
    return clients * calls_each / (time.perf_counter() - started)


@contextmanager
def http_server(env: dict[str, str]) -> Iterator[str]:
    """``spotify-mcp serve --http`` on a free port; yields the MCP URL once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "spotify_mcp", "serve", "--http", "--port", str(port)]
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant")
    parser.add_argument("--calls", type=int, default=300, help="cached tool calls")
    args = parser.parse_args()
    with sandbox_process() as base_url, tempfile.TemporaryDirectory() as home:
        token = requests.get(f"{base_url}/_sandbox/token", timeout=10).json()["access_token"]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"sandbox at {base_url} (own process); load average {load} on {os.cpu_count()} CPUs")
        os.environ["SPOTIFY_MCP_HOME"] = home  # the cache writes under here
        setup_logging("INFO")  # as the server logs: no line per request
        app = App.create(
            {"api_base_url": f"{base_url}/v1", "access_token": token, "limiter": UNLIMITED}
        )
        per_request(app, args.requests)
        env = {
            "SPOTIFY_MCP_HOME": os.path.join(home, "server"),
            "SPOTIFY_API_BASE_URL": f"{base_url}/v1",
            "SPOTIFY_ACCOUNTS_BASE_URL": base_url,
            "SPOTIFY_ACCESS_TOKEN": token,
        }
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "spotify_mcp", "serve"], env=env
        )
        with open(os.devnull, "w") as devnull:
            stdio = stdio_client(params, errlog=devnull)
            first, times = anyio.run(tool_round_trips, stdio, args.calls)
        print(f"3. library_get_profile over stdio, first call (miss): {first * 1000:.1f} ms")
        print(f"   cached calls (2nd and later)      {ms(times)}  (target median <= 2 ms)")
        env["SPOTIFY_MCP_HOME"] = os.path.join(home, "http-server")
        with http_server(env) as url:
            first, times = anyio.run(tool_round_trips, url, args.calls)
            rate = anyio.run(calls_per_second, url, 8, args.calls // 8)
        print(f"4. library_get_profile over HTTP, first call (miss): {first * 1000:.1f} ms")
        print(f"   cached calls (2nd and later)      {ms(times)}")
        print(f"   8 clients at once                 {rate:.0f} calls/s")


if __name__ == "__main__":
    main()
