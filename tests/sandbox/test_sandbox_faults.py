"""Fault injection, the request log, rate limiting, latency and reset, over the admin API."""

from __future__ import annotations

import time

import pytest
import requests
from sandbox_helpers import Api, Ids

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST


def admin(sb: Sandbox, method: str, path: str, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{sb.base_url}/_sandbox{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


def test_a_status_fault_hits_the_given_number_of_matching_requests(sb: Sandbox, api: Api) -> None:
    rule = admin(sb, "POST", "/faults", json={"path": "/v1/me", "status": 503, "times": 2})
    assert rule.status_code == 201
    assert rule.json()["times"] == 2
    assert api.get("/me/tracks").status_code == 200  # another path
    assert [api.get("/me/").status_code for _ in range(3)] == [503, 503, 200]
    assert api.get("/me").status_code == 200
    body = api.session.get(f"{sb.api_url}/me").json()
    assert "error" not in body
    listed = admin(sb, "GET", "/faults").json()
    assert listed[0]["hits"] == 2 and listed[0]["times"] == 0


def test_fault_bodies_have_spotify_error_shape_and_retry_after(sb: Sandbox, api: Api) -> None:
    sb.add_fault(path="/v1/search", status=429, retry_after=7, message="API rate limit exceeded")
    response = api.get("/search", params={"q": "a", "type": "track"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}


def test_a_fault_can_carry_a_reason_as_player_errors_do(sb: Sandbox, api: Api) -> None:
    sb.add_fault(path="/v1/me/player/pause", status=404, reason="NO_ACTIVE_DEVICE")
    response = api.session.put(f"{sb.api_url}/me/player/pause")
    assert response.json() == {
        "error": {"status": 404, "message": "Not Found", "reason": "NO_ACTIVE_DEVICE"}
    }
    refused = admin(sb, "POST", "/faults", json={"path": "/v1/*", "status": 500, "reason": 1})
    assert refused.status_code == 400 and "reason must be" in refused.text


def test_times_null_means_forever_and_delete_clears(sb: Sandbox, api: Api) -> None:
    admin(
        sb,
        "POST",
        "/faults",
        json={"method": "get", "path": "/v1/tracks/*", "status": 500, "times": None},
    )
    ids = Ids.of(sb)
    assert {api.get(f"/tracks/{ids.track}").status_code for _ in range(5)} == {500}
    assert api.get(f"/albums/{ids.album}").status_code == 200  # glob does not match
    assert admin(sb, "DELETE", "/faults").status_code == 204
    assert api.get(f"/tracks/{ids.track}").status_code == 200


def test_method_filter(sb: Sandbox, api: Api) -> None:
    sb.add_fault(method="POST", path="/v1/playlists/*/items", status=502)
    url = f"/playlists/{EMPTY_PLAYLIST}/items"
    assert api.get(url).status_code == 200
    assert api.post(url, json=[f"spotify:track:{Ids.of(sb).track}"]).status_code == 502


def test_apply_lets_the_request_take_effect_then_loses_the_response(sb: Sandbox, api: Api) -> None:
    """The case that makes a naive retry add the same item twice."""
    sb.add_fault(method="POST", path="/v1/playlists/*/items", status=500, apply=True)
    url = f"/playlists/{EMPTY_PLAYLIST}/items"
    track = f"spotify:track:{Ids.of(sb).track}"
    assert api.post(url, json=[track]).status_code == 500
    assert api.post(url, json=[track]).status_code == 201  # the naive retry
    assert [item["item"]["uri"] for item in api.get(url).json()["items"]] == [track, track]


def test_drop_connection_closes_without_a_response(sb: Sandbox, api: Api) -> None:
    sb.add_fault(path="/v1/me", drop_connection=True)
    with pytest.raises(requests.ConnectionError):
        api.get("/me")
    assert api.get("/me").status_code == 200  # a new connection works
    dropped = next(entry for entry in sb.requests() if entry["path"] == "/v1/me")
    assert dropped["status"] is None and dropped["fault"] is not None


def test_drop_connection_after_apply(sb: Sandbox, api: Api) -> None:
    sb.add_fault(method="PUT", path="/v1/me/library", drop_connection=True, apply=True)
    uri = f"spotify:album:{Ids.of(sb).album}"
    api.delete("/me/library", params={"uris": uri})
    with pytest.raises(requests.ConnectionError):
        api.put("/me/library", params={"uris": uri})
    assert api.get("/me/library/contains", params={"uris": uri}).json() == [True]


def test_latency_fault_delays_then_answers_normally(sb: Sandbox, api: Api) -> None:
    rule = sb.add_fault(path="/v1/me", latency_ms=30)
    assert api.get("/me").status_code == 200
    assert admin(sb, "GET", "/faults").json()[0]["hits"] == 1
    assert rule["latency_ms"] == 30


@pytest.mark.parametrize(
    "rule",
    [
        {"status": 500},  # no path
        {"path": "/v1/me"},  # nothing to do
        {"path": "/v1/me", "status": 200},
        {"path": "/v1/me", "status": 500, "times": 0},
        {"path": "/v1/me", "latency_ms": 5, "apply": True},
        {"path": "/v1/me", "status": 500, "colour": "red"},
    ],
)
def test_invalid_fault_rules_are_rejected(sb: Sandbox, rule: dict[str, object]) -> None:
    response = admin(sb, "POST", "/faults", json=rule)
    assert response.status_code == 400
    assert response.json()["error"]


def test_request_log_records_every_api_request_in_order(sb: Sandbox, api: Api) -> None:
    before = time.time()
    api.get("/me/")
    api.get("/me/tracks?limit=2")
    requests.post(f"{sb.base_url}/api/token", data={"grant_type": "nope"}, timeout=10)
    log = admin(sb, "GET", "/requests").json()
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in log] == [
        ("GET", "/v1/me", "", 200),  # trailing slash removed
        ("GET", "/v1/me/tracks", "limit=2", 200),
        ("POST", "/api/token", "", 400),
    ]
    assert all(entry["time"] >= before for entry in log)
    assert log == sorted(log, key=lambda entry: entry["time"])
    assert admin(sb, "DELETE", "/requests").status_code == 204
    assert sb.requests() == []


def test_rate_limit_answers_429_with_retry_after(sb: Sandbox, api: Api) -> None:
    sb.configure(rate_limit=3)
    statuses = [api.get("/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/me")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    assert limited.json()["error"]["status"] == 429
    assert admin(sb, "POST", "/reset").status_code == 204  # clears the window
    assert api.get("/me").status_code == 200


def test_rate_limit_from_the_constructor() -> None:
    with Sandbox(rate_limit=1) as sb:
        client = Api(sb, sb.token())
        assert [client.get("/me").status_code for _ in range(2)] == [200, 429]


def test_latency_setting_applies_to_api_requests(sb: Sandbox, api: Api) -> None:
    response = admin(sb, "PATCH", "/config", json={"latency_ms": 20})
    assert response.json()["latency_ms"] == 20
    assert api.get("/me").status_code == 200
    assert admin(sb, "PATCH", "/config", json={"latency_ms": -1}).status_code == 400
    assert admin(sb, "PATCH", "/config", json={"speed": 1}).status_code == 400


def test_reset_restores_the_seed_and_keeps_tokens(sb: Sandbox, api: Api) -> None:
    created = api.post("/me/playlists", json={"name": "Temporary"}).json()
    sb.add_fault(path="/v1/nothing", status=500)
    assert admin(sb, "POST", "/reset").status_code == 204
    assert api.get(f"/playlists/{created['id']}").status_code == 404
    assert admin(sb, "GET", "/faults").json() == []
    assert sb.requests()[-1]["path"] == f"/v1/playlists/{created['id']}"
    assert len(sb.requests()) == 1  # the log was cleared by the reset
    again = api.post("/me/playlists", json={"name": "Temporary"}).json()
    assert again["id"] != created["id"]  # Spotify never reuses an ID


def test_admin_seed_describes_users_and_notable_playlists(sb: Sandbox) -> None:
    seed = admin(sb, "GET", "/seed").json()
    premium = next(user for user in seed["users"] if user["product"] == "premium")
    assert premium["saved"]["track"] >= 1200
    assert len(premium["devices"]) >= 2
    assert seed["playlists"]["deep_focus"] in premium["playlists"]
    assert seed["catalog"]["tracks"] >= 1500
