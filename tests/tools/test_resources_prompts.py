"""Resources of the playback and playlists plugins, completion of playlist IDs, and the
prompts: read over stdio from a real server against the sandbox."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    Completion,
    PromptReference,
    ResourceTemplateReference,
    TextResourceContents,
)
from stdio_server import StdioServer

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST, FOLLOWED_PLAYLIST, PREMIUM_USER, device_id

PROMPTS = {
    "build_playlist": {"description": "rainy Sunday jazz", "size": "15"},
    "whats_playing": {},
    "tidy_library": {},
    "explore_artist": {"artist": "Nina Simone"},
}


@pytest.fixture(scope="module", autouse=True)
def seeded(sandbox: Sandbox) -> None:
    sandbox.reset()


def read(server: StdioServer, uri: str) -> Any:
    result = server.portal.call(server.client.read_resource, uri)
    (content,) = result.contents
    assert isinstance(content, TextResourceContents) and content.mime_type == "application/json"
    return json.loads(content.text)


def complete(server: StdioServer, value: str) -> list[str]:
    return list(completion(server, value).values)


def completion(
    server: StdioServer, value: str, uri: str = "spotify://playlist/{id}", argument: str = "id"
) -> Completion:
    ref = ResourceTemplateReference(type="ref/resource", uri=uri)
    call = server.portal.call
    return call(server.client.complete, ref, {"name": argument, "value": value}).completion


# -- resources --------------------------------------------------------------------------------


def test_resources_are_listed(server: StdioServer) -> None:
    resources = server.portal.call(server.client.list_resources).resources
    templates = server.portal.call(server.client.list_resource_templates).resource_templates
    assert {"spotify://playback", "spotify://playlists"} <= {str(r.uri) for r in resources}
    assert "spotify://playlist/{id}" in {t.uri_template for t in templates}


def test_playback_resource_follows_the_player(server: StdioServer, sandbox: Sandbox) -> None:
    idle = read(server, "spotify://playback")
    assert idle["playing"] is False and "device" not in idle and idle["devices"]
    server.call_ok("playback_transfer", device_id=device_id(PREMIUM_USER, "Sandbox Laptop"))
    server.call_ok("playback_start", context=f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}")
    now = read(server, "spotify://playback")
    assert now["playing"] is True and now["device"] == "Sandbox Laptop"
    assert now["context"] == f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}"
    server.call_ok("playback_pause")
    assert read(server, "spotify://playback")["playing"] is False


def test_my_playlists_resource(server: StdioServer) -> None:
    page = read(server, "spotify://playlists")
    assert page["total"] >= 8 and page["items"][-1]["name"] == "Indie Essentials"


def test_playlist_resource(server: StdioServer) -> None:
    view = read(server, f"spotify://playlist/{DEEP_FOCUS_PLAYLIST}")
    assert view["playlist"]["name"] == "Deep Focus" and view["playlist"]["total"] == 150
    assert [i["position"] for i in view["items"]["items"]] == list(range(50))
    assert view["items"]["next_offset"] == 50


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("spotify://playlist/", "expected a Spotify playlist reference"),
        ("spotify://playlist/spotify:album:4uLU6hMCjMI75M1A2tKUQC", "is an album"),
        ("spotify://playlist/0000000000000000000000", "Not found"),
    ],
)
def test_a_playlist_resource_that_names_nothing_is_invalid_params(
    server: StdioServer, uri: str, message: str
) -> None:
    with pytest.raises(MCPError, match=message) as error:
        read(server, uri)
    assert error.value.error.code == INVALID_PARAMS


def test_the_resource_of_someone_elses_playlist_has_no_items(server: StdioServer) -> None:
    view = read(server, f"spotify://playlist/{FOLLOWED_PLAYLIST}")
    assert view["playlist"]["name"] and "items" not in view


def test_playlist_resource_shows_a_change(server: StdioServer) -> None:
    created = server.call_ok("playlists_create", {"name": "Resource check"})
    playlist_id = created["playlist"].rsplit(":", 1)[-1]
    assert read(server, f"spotify://playlist/{playlist_id}")["items"]["items"] == []
    server.call_ok("playlists_update", {"name": "Renamed"}, playlist=playlist_id)
    assert read(server, f"spotify://playlist/{playlist_id}")["playlist"]["name"] == "Renamed"


@pytest.mark.parametrize(
    ("playlist_id", "expected"),
    [("not-an-id", "not a valid Spotify playlist ID"), ("0" * 22, "Not found")],
)
def test_playlist_resource_errors(server: StdioServer, playlist_id: str, expected: str) -> None:
    with pytest.raises(Exception, match=expected):
        read(server, f"spotify://playlist/{playlist_id}")


# -- completion -------------------------------------------------------------------------------


def test_completion_by_name(server: StdioServer) -> None:
    assert complete(server, "deep") == [DEEP_FOCUS_PLAYLIST]
    assert complete(server, "crate") == [FOLLOWED_PLAYLIST]


def test_completion_by_id_prefix(server: StdioServer) -> None:
    assert complete(server, DEEP_FOCUS_PLAYLIST[:6]) == [DEEP_FOCUS_PLAYLIST]


def test_completion_of_nothing_lists_my_playlists(server: StdioServer) -> None:
    values = complete(server, "")
    assert DEEP_FOCUS_PLAYLIST in values and len(values) >= 8
    assert complete(server, "no playlist is called this") == []


def test_completion_takes_a_uri_or_url_typed_so_far(server: StdioServer) -> None:
    for typed in ("spotify:playlist:", "https://open.spotify.com/playlist/", " "):
        assert complete(server, typed + DEEP_FOCUS_PLAYLIST[:6]) == [DEEP_FOCUS_PLAYLIST]
    link = f"https://open.spotify.com/playlist/{DEEP_FOCUS_PLAYLIST}?si=0123abcd"
    assert complete(server, link) == [DEEP_FOCUS_PLAYLIST]  # a pasted share link


@pytest.mark.parametrize("kind", ["album", "artist", "track"])
def test_completion_of_a_catalog_id_by_name_uri_or_url(
    server: StdioServer, sandbox: Sandbox, kind: str
) -> None:
    ident, item = next(iter(sandbox.runtime.catalog.tables[kind].items()))
    template = f"spotify://{kind}/{{id}}"
    assert ident in completion(server, item.name, template).values
    for typed in (f"spotify:{kind}:{ident}", f"https://open.spotify.com/{kind}/{ident}?si=x"):
        assert completion(server, typed, template).values == [ident]
    assert completion(server, "no such name in the catalog", template).values == []
    assert completion(server, "", template).values == []
    sandbox.clear_requests()  # a reference being typed is not searched for as words
    for typed in (f"spotify:{kind}:{ident[:4]}", "spotify:album:x", "https://open.spotify.com/"):
        assert completion(server, typed, template).values == []
    assert not [r for r in sandbox.requests() if r["path"] == "/v1/search"]


def test_completion_looks_past_the_first_page_of_playlists(
    uncached: StdioServer, sandbox: Sandbox
) -> None:
    try:
        for number in range(110):  # newer than the seeded ones: they move to the third page
            uncached.call_ok("playlists_create", {"name": f"Bulk {number:03}"})
        assert complete(uncached, "deep") == [DEEP_FOCUS_PLAYLIST]
        bulk = completion(uncached, "bulk")
        assert (len(bulk.values), bulk.total, bulk.has_more) == (100, 110, True)
    finally:
        sandbox.reset()


@pytest.mark.parametrize(
    ("ref", "argument", "message"),
    [
        (PromptReference(type="ref/prompt", name="no_such_prompt"), "x", "Unknown prompt"),
        (
            PromptReference(type="ref/prompt", name="explore_artist"),
            "bogus",
            "prompt explore_artist has no argument bogus",
        ),
        (
            PromptReference(type="ref/prompt", name="explore_artist"),
            "",
            'prompt explore_artist has no argument ""',
        ),
        (
            ResourceTemplateReference(type="ref/resource", uri="spotify://nothing/{id}"),
            "id",
            "Unknown resource template",
        ),
        (
            ResourceTemplateReference(type="ref/resource", uri="spotify://playlist/{id}"),
            "name",
            "spotify://playlist/{id} has no argument name",
        ),
    ],
)
def test_completion_of_what_does_not_exist_is_invalid_params(
    server: StdioServer, ref: Any, argument: str, message: str
) -> None:
    with pytest.raises(MCPError, match=re.escape(message)) as error:
        server.portal.call(server.client.complete, ref, {"name": argument, "value": ""})
    assert error.value.error.code == INVALID_PARAMS
    prompt = PromptReference(type="ref/prompt", name="explore_artist")
    found = server.portal.call(server.client.complete, prompt, {"name": "artist", "value": "a"})
    assert found.completion.values == []  # a real prompt: no completions, no error


# -- prompts ----------------------------------------------------------------------------------


def test_prompts_are_listed_with_their_arguments(server: StdioServer) -> None:
    prompts = {p.name: p for p in server.portal.call(server.client.list_prompts).prompts}
    assert set(PROMPTS) <= set(prompts)
    build = prompts["build_playlist"]
    assert build.title and build.description
    assert {(a.name, a.required) for a in build.arguments or []} == {
        ("description", True),
        ("size", False),
    }


@pytest.mark.parametrize("name", PROMPTS)
def test_prompts_render_and_name_only_real_tools(server: StdioServer, name: str) -> None:
    result = server.portal.call(server.client.get_prompt, name, PROMPTS[name])
    text = " ".join(getattr(m.content, "text", "") for m in result.messages)
    for value in PROMPTS[name].values():
        assert value in text
    named = set(re.findall(r"`([a-z_]+)`", text))
    tools = {tool.name for tool in server.list_tools()}
    assert len(named) >= 4 and named <= tools, named - tools


def test_a_missing_prompt_argument_is_an_error_naming_it(server: StdioServer) -> None:
    with pytest.raises(MCPError, match="missing: artist") as error:
        server.portal.call(server.client.get_prompt, "explore_artist", {})
    assert error.value.error.code == INVALID_PARAMS
    assert server.portal.call(server.client.get_prompt, "whats_playing", {}).messages


@pytest.mark.parametrize("size", ["-5", "abc", "", "0", "\u00b2", "9" * 5000])  # "²".isdigit()
def test_a_prompt_argument_that_makes_no_sense_is_invalid_params(
    server: StdioServer, size: str
) -> None:
    arguments = {"description": "rainy day jazz", "size": size}
    with pytest.raises(MCPError, match="size must be a number of tracks") as error:
        server.portal.call(server.client.get_prompt, "build_playlist", arguments)
    assert error.value.error.code == INVALID_PARAMS


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("build_playlist", {"description": "  \n "}, "description is empty"),
        ("explore_artist", {"artist": ""}, "artist is empty"),
        ("explore_artist", {"artist": "x" * 100_000}, "artist is 100000 characters; at most 200"),
    ],
)
def test_a_prompt_argument_that_says_nothing_is_invalid_params(
    server: StdioServer, name: str, arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(MCPError, match=message) as error:
        server.portal.call(server.client.get_prompt, name, arguments)
    assert error.value.error.code == INVALID_PARAMS
    assert len(error.value.error.message) < 200


def test_prompt_arguments_are_described(server: StdioServer) -> None:
    prompts = server.portal.call(server.client.list_prompts).prompts
    arguments = [argument for prompt in prompts for argument in prompt.arguments or []]
    assert arguments and all(argument.description for argument in arguments)


def test_an_unknown_resource_is_named_cut_short(server: StdioServer) -> None:
    uri = "spotify://playlist/" + "a" * 100_000 + "/more"
    with pytest.raises(MCPError, match="Unknown resource: spotify://playlist/aaa") as error:
        server.portal.call(server.client.read_resource, uri)
    assert error.value.error.code == INVALID_PARAMS
    assert len(error.value.error.message) < 200 and not error.value.error.data
    with pytest.raises(MCPError, match="failed security validation"):
        server.portal.call(server.client.read_resource, "spotify://playlist/..")
