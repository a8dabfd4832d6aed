"""What the cache middleware costs per read and per mutation: on disk, or in Redis (``redis_url``).

The cache alone around a stub transport that answers at once with a 1.7 kB JSON reply: this
measures the cache's own bookkeeping. A private ``redis-server`` on a free port, reached over
loopback, and through a proxy that holds each of Redis's answers ``--rtt-ms`` (as if Redis
were on another machine: each round trip costs that much more). In one run, interleaved so
all see the same load:

1. A hit: the same read again.
2. A stored miss: a read of a new URL each time, fetched and stored.
3. A mutation's eviction: a playlist change, evicting its three groups (the playlist's reads,
   my playlists, search results), each holding one stored read.

    python benchmarks/cache.py [--requests 2000] [--rtt-ms 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from limiter import free_port, redis_server  # benchmarks/limiter.py, beside this script
from pipeline import ms, timed  # benchmarks/pipeline.py, beside this script

from spotify_mcp.logs import setup_logging
from spotify_mcp.middleware.cache.store import ResponseCache
from spotify_mcp.pipeline import Request, Response

API = "https://api.spotify.com/v1"
TTL = dict.fromkeys(("catalog", "profile", "playlists", "library", "player"), 3600.0)
BODY = json.dumps({"id": "x" * 22, "name": "a track", "artists": ["y" * 78] * 20}).encode()
REPLY = Response(200, {"Content-Type": "application/json; charset=utf-8"}, BODY)
WARM_UP = 200


@contextmanager
def delayed(url: str, delay_s: float) -> Iterator[str]:
    """A proxy to the Redis at ``url`` that holds each answer ``delay_s``; yields its URL."""
    target = ("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0]))
    listener = socket.create_server(("127.0.0.1", free_port()))

    def pump(source: socket.socket, sink: socket.socket, delay: float) -> None:
        with source, sink:
            while data := source.recv(65536):
                if delay:
                    time.sleep(delay)
                sink.sendall(data)

    def accept() -> None:
        while True:
            client, _ = listener.accept()
            server = socket.create_connection(target)
            for pair in ((client, server, 0.0), (server, client, delay_s)):
                threading.Thread(target=pump, args=pair, daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def call(cache: ResponseCache, method: str, path: str) -> Response:
    return cache(Request(method, f"{API}{path}", account="bench"), lambda _: REPLY)


def one_of_each(cache: ResponseCache, unique: str) -> dict[str, float]:
    """Seconds a stored miss, a hit and a mutation's eviction took."""
    took = {
        "miss": timed(lambda: call(cache, "GET", f"/tracks/{unique}")),
        "hit": timed(lambda: call(cache, "GET", "/tracks/hit")),
    }
    for path in (f"/playlists/{unique}", "/me/playlists", f"/search?q={unique}&type=track"):
        call(cache, "GET", path)  # one stored read in each group the mutation evicts
    took["mutation"] = timed(lambda: call(cache, "POST", f"/playlists/{unique}/items"))
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant")
    parser.add_argument("--rtt-ms", type=float, default=0.5, help="added to each round trip")
    options = parser.parse_args()
    setup_logging("ERROR")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs; {options.requests} requests each")
    remote = f"Redis +{options.rtt_ms:g} ms"
    with (
        redis_server() as url,
        delayed(url, options.rtt_ms / 1000) as far,
        tempfile.TemporaryDirectory() as directory,
    ):
        caches = {
            name: ResponseCache(Path(directory), TTL, 2**28, at and redis.Redis.from_url(at))
            for name, at in (("disk", None), ("Redis", url), (remote, far))
        }
        times: dict[tuple[str, str], list[float]] = {}
        for n in range(-WARM_UP, options.requests):
            for name, cache in caches.items():
                for what, took in one_of_each(cache, f"{name}{n}").items():
                    times.setdefault((what, name), []).append(took)
        labels = {"hit": "a hit", "miss": "a stored miss", "mutation": "a mutation's eviction"}
        for number, (what, label) in enumerate(labels.items(), start=1):
            print(f"{number}. {label}")
            for name in caches:
                print(f"   {name:<16} {ms(times[(what, name)][WARM_UP:])}")
        for cache in caches.values():
            cache.close()


if __name__ == "__main__":
    main()
