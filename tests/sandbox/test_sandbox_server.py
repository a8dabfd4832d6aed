"""The catalogue's determinism and size, the package's import cost, and how the sandbox
starts and stops (in a thread, and standalone through `serve`)."""

from __future__ import annotations

import signal
import subprocess
import sys
from textwrap import dedent

import pytest
import requests
from sandbox_helpers import Api

from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.catalog import build_catalog
from spotify_mcp.sandbox.ids import is_id
from spotify_mcp.sandbox.seed import seed_state


def test_the_catalogue_is_deterministic_and_big_enough() -> None:
    first = build_catalog("http://127.0.0.1:1/v1")
    second = build_catalog("http://127.0.0.1:2/v1")
    assert list(first.tracks) == list(second.tracks)
    assert [t.name for t in first.tracks.values()] == [t.name for t in second.tracks.values()]
    assert (len(first.artists), len(first.albums), len(first.shows), len(first.audiobooks)) == (
        60,
        150,
        12,
        10,
    )
    assert len(first.tracks) >= 1500 and len(first.episodes) == 300 and first.chapters
    every_id = [*first.artists, *first.albums, *first.tracks, *first.episodes, *first.chapters]
    assert all(is_id(ident) for ident in every_id) and len(set(every_id)) == len(every_id)


def test_seeded_state_is_the_same_every_time() -> None:
    catalog = build_catalog("http://127.0.0.1:1/v1")
    one, two = seed_state(catalog, lambda: 0.0), seed_state(catalog, lambda: 0.0)
    assert one.users[PREMIUM_USER].saved == two.users[PREMIUM_USER].saved
    assert [p.snapshot_id for p in one.playlists.values()] == [
        p.snapshot_id for p in two.playlists.values()
    ]


def test_importing_and_constructing_do_not_import_the_web_stack() -> None:
    code = dedent(
        """
        import sys
        import spotify_mcp.sandbox
        spotify_mcp.sandbox.Sandbox()  # constructing one is cheap too; start() imports them
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("uvicorn", "starlette")))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert output.stdout.strip() == "[]"


def test_serve_runs_standalone_and_announces_its_url() -> None:
    code = dedent(
        """
        from spotify_mcp.sandbox import serve
        serve("127.0.0.1", 0, 0, None, on_ready=lambda url: print(url, flush=True))
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        token = requests.get(f"{base_url}/_sandbox/token", timeout=10).json()["access_token"]
        me = requests.get(
            f"{base_url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert me.json()["id"] == PREMIUM_USER
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0 and stderr == ""  # graceful, and it logged nothing


def test_start_stop_and_context_manager() -> None:
    sandbox = Sandbox(latency_ms=1)
    assert sandbox.start() is sandbox
    try:
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        assert sandbox.api_url == sandbox.base_url + "/v1"
        with pytest.raises(RuntimeError):
            sandbox.start()
        assert Api(sandbox, sandbox.token()).get("/me").status_code == 200
    finally:
        sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/v1/me", timeout=5)
    sandbox.stop()  # idempotent


def test_fixed_port_and_unknown_paths(sb: Sandbox, api: Api) -> None:
    with Sandbox(port=0) as other:
        port = other.port
    with Sandbox(port=port) as again:
        assert again.port == port
    missing = api.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "message": "Service not found"}}
    assert api.request("PATCH", "/me").status_code == 405
