"""What the limiter costs per request: its budget in this process, or in Redis (``redis_url``).

The limiter alone around a stub transport (no network to Spotify), with a rate no request can
reach: this measures the bookkeeping, not pacing. A private ``redis-server`` on a free port
(loopback; a network hop to Redis adds its round trip). In one run:

1. One thread: per request, in-process against Redis (one script each), interleaved.
2. A 429 (closing the gate): in-process against Redis (one more script).
3. 8 threads at once: requests per second, in-process and Redis.
4. Redis unreachable (nothing listens on the port): the in-process fallback, per request.

    python benchmarks/limiter.py [--requests 5000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from pipeline import ms, timed  # benchmarks/pipeline.py, beside this script

from spotify_mcp.logs import setup_logging
from spotify_mcp.middleware.limiter import Limiter, LimiterSettings
from spotify_mcp.pipeline import Request, Response

UNLIMITED = LimiterSettings(rate_per_s=1e9, burst=10**9)
OK, LIMITED = Response(200), Response(429, {"Retry-After": "0"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server, nothing persisted; yields its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server)"
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def request() -> Request:
    return Request("GET", "https://api.spotify.com/v1/me")


def limiter(url: str | None) -> Limiter:
    client = None if url is None else redis.Redis.from_url(url, socket_timeout=0.5)
    return Limiter(UNLIMITED, client)


def per_request(limiter: Limiter, response: Response = OK) -> float:
    return timed(lambda: limiter(request(), lambda _: response))


def per_second(limiter: Limiter, threads: int, each: int) -> float:
    def run() -> None:
        for _ in range(each):
            limiter(request(), lambda _: OK)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * each / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per variant")
    count = parser.parse_args().requests
    setup_logging("ERROR")  # the unreachable Redis warns once; not part of the numbers
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs; {count} requests per variant")
    with redis_server() as url:
        local, shared = limiter(None), limiter(url)
        for _ in range(500):  # warm up: connections, the script cached in Redis
            per_request(local)
            per_request(shared)
        local_times, shared_times = [], []
        for _ in range(count):
            local_times.append(per_request(local))
            shared_times.append(per_request(shared))
        print(f"1. in-process budget                 {ms(local_times)}")
        print(f"   budget in Redis (one script)      {ms(shared_times)}")
        added = statistics.median(shared_times) - statistics.median(local_times)
        print(f"   added by Redis: {added * 1000:.3f} ms a request")
        local_429, shared_429 = [], []
        for _ in range(count // 5):
            local_429.append(per_request(local, LIMITED))
            shared_429.append(per_request(shared, LIMITED))
        print(f"2. a 429, in-process                 {ms(local_429)}")
        print(f"   a 429, Redis (two scripts)        {ms(shared_429)}")
        each = count // 8
        print(f"3. 8 threads, in-process             {per_second(local, 8, each):8.0f} requests/s")
        print(f"   8 threads, Redis                  {per_second(shared, 8, each):8.0f} requests/s")
    down = limiter(f"redis://127.0.0.1:{free_port()}/0")
    down_times = [per_request(down) for _ in range(count)]
    print(f"4. Redis unreachable: paced alone    {ms(down_times)}")


if __name__ == "__main__":
    main()
