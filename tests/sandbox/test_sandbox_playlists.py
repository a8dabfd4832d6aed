"""Playlists: snapshots, ownership, item editing semantics, covers, fields and paging links."""

from __future__ import annotations

import base64

import pytest
from sandbox_helpers import Api, Ids

from spotify_mcp.sandbox import FREE_USER, Sandbox
from spotify_mcp.sandbox.seed import (
    COLLAB_PLAYLIST,
    COLLAB_USER,
    DEEP_FOCUS_PLAYLIST,
    EMPTY_PLAYLIST,
    FOLLOWED_PLAYLIST,
)

ITEMS = f"/playlists/{EMPTY_PLAYLIST}/items"


@pytest.fixture
def tracks(sb: Sandbox) -> list[str]:
    return [track.uri for track in list(sb.runtime.catalog.tracks.values())[:6]]


def uris(api: Api, playlist: str = EMPTY_PLAYLIST) -> list[str]:
    return [
        item["item"]["uri"]
        for item in api.get(f"/playlists/{playlist}/items?limit=50").json()["items"]
    ]


def snapshot(api: Api, playlist: str = EMPTY_PLAYLIST) -> str:
    return str(api.get(f"/playlists/{playlist}").json()["snapshot_id"])


def test_every_mutation_changes_the_snapshot(api: Api, tracks: list[str]) -> None:
    seen = {snapshot(api)}
    returned = api.post(ITEMS, json=tracks[:3]).json()["snapshot_id"]
    for response in (
        api.put(ITEMS, json={"range_start": 0, "insert_before": 3}),
        api.delete(ITEMS, json={"items": [{"uri": tracks[0]}]}),
        api.put(ITEMS, json={"uris": tracks[:1]}),
    ):
        assert response.status_code == 200
        seen.add(response.json()["snapshot_id"])
    api.put(f"/playlists/{EMPTY_PLAYLIST}", json={"description": "new"})
    assert len(seen | {returned, snapshot(api)}) == 6


def test_add_positions_and_query_uris_win_over_the_body(api: Api, tracks: list[str]) -> None:
    api.post(ITEMS, json={"uris": tracks[:2]})
    api.post(ITEMS, json={"uris": [tracks[2]], "position": 1})
    api.post(f"{ITEMS}?position=0", json=[tracks[3]])
    api.post(f"{ITEMS}?uris={tracks[4]}", json={"uris": [tracks[5]]})
    assert uris(api) == [tracks[3], tracks[0], tracks[2], tracks[1], tracks[4]]


def test_remove_by_uri_everywhere_or_at_positions(api: Api, tracks: list[str]) -> None:
    a, b = tracks[:2]
    api.post(ITEMS, json=[a, b, a, b, a])
    api.delete(ITEMS, json={"items": [{"uri": a, "positions": [0, 4]}]})
    assert uris(api) == [b, a, b]
    assert api.delete(ITEMS, json={"items": [{"uri": a, "positions": [0]}]}).status_code == 400
    api.delete(ITEMS, json={"tracks": [{"uri": b}]})
    assert uris(api) == [a]


def test_positions_refer_to_the_snapshot_given(api: Api, tracks: list[str]) -> None:
    """openapi.yml: the items at those positions in that snapshot are removed, "even if more
    recent changes have been made to the playlist"."""
    a, b, c = tracks[:3]
    api.post(ITEMS, json=[a, b, a])
    read_at = snapshot(api)
    api.post(ITEMS, json={"uris": [c], "position": 0})  # now [c, a, b, a]: positions moved
    removal = {"items": [{"uri": a, "positions": [2]}], "snapshot_id": read_at}
    assert api.delete(ITEMS, json=removal).status_code == 200
    assert uris(api) == [c, a, b]  # the second a, as read; not whatever is at 2 now
    made_up = {"items": [{"uri": a, "positions": [1]}], "snapshot_id": "bm9uc2Vuc2U"}
    assert api.delete(ITEMS, json=made_up).status_code == 400


def test_reorder_moves_a_range(api: Api, tracks: list[str]) -> None:
    api.post(ITEMS, json=tracks[:5])
    api.put(ITEMS, json={"range_start": 1, "range_length": 2, "insert_before": 5})
    assert uris(api) == [tracks[0], tracks[3], tracks[4], tracks[1], tracks[2]]
    api.put(ITEMS, json={"range_start": 4, "insert_before": 0})
    assert uris(api) == [tracks[2], tracks[0], tracks[3], tracks[4], tracks[1]]


def test_reorder_positions_refer_to_the_snapshot_given(api: Api, tracks: list[str]) -> None:
    """As for removal: the range and insert_before are read in the snapshot given, and the
    entries they name there are moved even if the playlist changed since."""
    a, b, c, d, x = tracks[:5]
    api.post(ITEMS, json=[a, b, c, d])
    read_at = snapshot(api)
    api.post(ITEMS, json={"uris": [x], "position": 0})  # now [x, a, b, c, d]: positions moved
    move = {"range_start": 0, "insert_before": 3, "snapshot_id": read_at}  # a, before d
    assert api.put(ITEMS, json=move).status_code == 200
    assert uris(api) == [x, b, c, a, d]
    past_the_end = {"range_start": 4, "insert_before": 0, "snapshot_id": read_at}
    assert api.put(ITEMS, json=past_the_end).status_code == 400  # it had 4 items then
    read_at = snapshot(api)
    api.delete(ITEMS, json={"items": [{"uri": a}]})  # now [x, b, c, d]
    move = {"range_start": 2, "range_length": 2, "insert_before": 0, "snapshot_id": read_at}
    assert api.put(ITEMS, json=move).status_code == 200  # c and a, of which a is gone
    assert uris(api) == [c, x, b, d]
    move = {"range_start": 0, "insert_before": 3, "snapshot_id": read_at}  # x, before a
    assert api.put(ITEMS, json=move).status_code == 200
    assert uris(api) == [c, b, x, d]  # a is gone: before d, the next one of that snapshot


def test_reorder_and_removal_refuse_an_unknown_snapshot(api: Api, tracks: list[str]) -> None:
    api.post(ITEMS, json=tracks[:3])
    for made_up in ("bm9uc2Vuc2U", ["not", "a", "string"]):
        move = {"range_start": 0, "insert_before": 3, "snapshot_id": made_up}
        removal = {"items": [{"uri": tracks[0], "positions": [0]}], "snapshot_id": made_up}
        for refused in (api.put(ITEMS, json=move), api.delete(ITEMS, json=removal)):
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"]["message"] == "Invalid snapshot_id"
    assert uris(api) == tracks[:3]


def test_at_most_100_items_a_request(api: Api, tracks: list[str]) -> None:
    assert api.post(ITEMS, json=[tracks[0]] * 100).status_code == 201
    too_many = api.post(ITEMS, json=[tracks[0]] * 101)
    assert too_many.status_code == 400
    assert "maximum of 100" in too_many.json()["error"]["message"]
    assert api.put(ITEMS, json={"uris": [tracks[0]] * 101}).status_code == 400
    assert api.delete(ITEMS, json={"items": [{"uri": tracks[0]}] * 101}).status_code == 400


def test_only_owners_and_collaborators_edit(sb: Sandbox, api: Api, tracks: list[str]) -> None:
    denied = api.post(f"/playlists/{FOLLOWED_PLAYLIST}/items", json=tracks[:1])
    assert denied.status_code == 403
    assert api.post(f"/playlists/{COLLAB_PLAYLIST}/items", json=tracks[:1]).status_code == 201
    owner = Api(sb, sb.token(COLLAB_USER))
    added_by = owner.get(f"/playlists/{COLLAB_PLAYLIST}/items?offset=25").json()["items"][0]
    assert added_by["added_by"]["id"] == "sandboxpremium"
    assert owner.put(f"/playlists/{COLLAB_PLAYLIST}", json={"name": "Renamed"}).status_code == 200
    assert api.post(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", json=tracks[:1]).status_code == 201
    assert owner.post(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", json=tracks[:1]).status_code == 403


def test_only_owners_and_collaborators_read_items(sb: Sandbox, api: Api) -> None:
    """Since February 2026 (openapi.yml: GET /playlists/{id}/items), for everyone else: 403."""
    assert api.get(f"/playlists/{FOLLOWED_PLAYLIST}/items").status_code == 403
    assert api.get(f"/playlists/{FOLLOWED_PLAYLIST}").status_code == 200  # details stay open
    assert api.get(f"/playlists/{COLLAB_PLAYLIST}/items").status_code == 200
    free = Api(sb, sb.token(FREE_USER))
    assert free.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items").status_code == 403


def test_private_playlists_need_the_private_scopes(sb: Sandbox, tracks: list[str]) -> None:
    public_only = Api(sb, sb.token(scopes=["playlist-modify-public", "playlist-read-private"]))
    assert public_only.post(ITEMS, json=tracks[:1]).status_code == 403  # EMPTY is private
    assert (
        public_only.post(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", json=tracks[:1]).status_code
        == 201
    )
    assert Api(sb, sb.token(scopes=["user-top-read"])).get(ITEMS).status_code == 403


def test_created_playlists_come_first_in_my_playlists(api: Api) -> None:
    created = api.post(
        "/me/playlists", json={"name": "Gym", "description": "Loud", "public": False}
    ).json()
    assert created["owner"]["id"] == "sandboxpremium"
    assert created["public"] is False and created["items"]["total"] == 0
    mine = api.get("/me/playlists").json()
    assert mine["items"][0]["id"] == created["id"]
    assert api.get(f"/playlists/{created['id']}").json()["name"] == "Gym"


def test_cover_upload_replaces_the_mosaic(api: Api) -> None:
    before = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/images").json()
    assert before and before[0]["height"] == 640
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(100)).decode()
    response = api.put(
        f"/playlists/{DEEP_FOCUS_PLAYLIST}/images",
        data=jpeg,
        headers={"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 202 and not response.content
    after = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/images").json()
    assert after[0]["height"] is None and after != before
    oversized = base64.b64encode(b"\xff\xd8" + bytes(200_000))
    assert api.put(f"/playlists/{DEEP_FOCUS_PLAYLIST}/images", data=oversized).status_code == 413


def test_fields_filter(api: Api) -> None:
    body = api.get(
        f"/playlists/{DEEP_FOCUS_PLAYLIST}",
        params={
            "fields": "name,items(total,items(added_by.id,item(name,album(!images,!artists))))"
        },
    ).json()
    assert set(body) == {"name", "items"}
    assert set(body["items"]) == {"total", "items"}
    first = body["items"]["items"][0]
    assert set(first) == {"added_by", "item"} and set(first["added_by"]) == {"id"}
    assert set(first["item"]) == {"name", "album"}
    assert "images" not in first["item"]["album"] and "name" in first["item"]["album"]
    page = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items", params={"fields": "total,limit"})
    assert page.json() == {"total": 150, "limit": 20}
    assert api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}", params={"fields": "a(b"}).status_code == 400


def test_paging_links_are_absolute_and_keep_other_parameters(sb: Sandbox, api: Api) -> None:
    page = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items?market=US&limit=50&offset=50").json()
    assert page["next"] == (
        f"{sb.api_url}/playlists/{DEEP_FOCUS_PLAYLIST}/items?offset=100&limit=50&market=US"
    )
    assert page["previous"].endswith("offset=0&limit=50&market=US")
    last = api.get(page["next"]).json()
    assert last["next"] is None and len(last["items"]) == 50
    embedded = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}").json()["items"]
    assert embedded["total"] == 150 and api.get(embedded["next"]).status_code == 200


def test_episodes_in_playlists(sb: Sandbox, api: Api) -> None:
    episode = f"spotify:episode:{Ids.of(sb).episode}"
    api.post(ITEMS, json=[episode])
    item = api.get(ITEMS).json()["items"][0]
    assert item["item"]["type"] == "episode" and item["item"]["show"]["type"] == "show"
    assert item["track"] == item["item"]  # the older key, for older clients
