"""Requests per second the sandbox serves to one client over keep-alive (requests.Session).

Run: python benchmarks/sandbox.py [--seconds 3]

Measures a cheap read (GET /v1/tracks/{id}) and a playlist mutation (POST .../items, one
item) against a standalone sandbox (its own process, as `spotify-mcp sandbox` runs it) and
an in-process one (a thread, as tests and `serve --sandbox` run it; the client then shares
the GIL with the server). uvicorn uses httptools when it is installed, else h11.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST

WARMUP = 200
STANDALONE = (
    "from spotify_mcp.sandbox import serve\n"
    "serve('127.0.0.1', 0, 0, None, on_ready=lambda url: print(url, flush=True))\n"
)


def rate(call: Callable[[], requests.Response], seconds: float) -> float:
    for _ in range(WARMUP):
        call().raise_for_status()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        call().raise_for_status()
        count += 1
    return count / elapsed


@contextmanager
def standalone() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", STANDALONE], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def in_process() -> Iterator[str]:
    with Sandbox() as sb:
        yield sb.base_url


def measure(label: str, base_url: str, seconds: float) -> None:
    session = requests.Session()
    token = session.get(f"{base_url}/_sandbox/token").json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    api = f"{base_url}/v1"
    track = session.get(f"{api}/me/tracks?limit=1").json()["items"][0]["track"]
    get = rate(lambda: session.get(f"{api}/tracks/{track['id']}"), seconds)
    items_url = f"{api}/playlists/{EMPTY_PLAYLIST}/items"
    body = {"uris": [track["uri"]]}
    post = rate(lambda: session.post(items_url, json=body), seconds)
    print(f"{label:<22} {get:>8.0f} {post:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    args = parser.parse_args()
    try:
        import httptools  # noqa: F401

        http_parser = "httptools"
    except ImportError:
        http_parser = "h11"
    print(f"requests/s, one keep-alive client, uvicorn HTTP parser: {http_parser}")
    print(f"{'sandbox':<22} {'GET track':>8} {'POST items':>10}")
    for label, server in (
        ("standalone (process)", standalone),
        ("in-process (thread)", in_process),
    ):
        with server() as base_url:
            measure(label, base_url, args.seconds)


if __name__ == "__main__":
    main()
