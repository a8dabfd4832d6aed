"""spotipy 2.26 itself, pointed at the sandbox, runs every one of its public methods: the
current ones succeed, the ones for removed endpoints get Spotify's development-mode 403."""

from __future__ import annotations

import base64
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import spotipy
from sandbox_helpers import LAPTOP, Ids

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import (
    COLLAB_PLAYLIST,
    DEEP_FOCUS_PLAYLIST,
    DJ_USER,
    EMPTY_PLAYLIST,
    UNFOLLOWED_PLAYLIST,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning", "ignore:Searching multiple markets:UserWarning"
)


@dataclass
class Env:
    sp: spotipy.Spotify
    ids: Ids

    @property
    def track_uri(self) -> str:
        return f"spotify:track:{self.ids.track}"

    def first_item_uri(self, playlist_id: str) -> str:
        return str(self.sp.playlist_items(playlist_id, limit=1)["items"][0]["item"]["uri"])

    def play(self) -> None:
        self.sp.start_playback(device_id=LAPTOP, context_uri=f"spotify:album:{self.ids.album}")


Call = Callable[[Env], Any]

# Methods of current endpoints: each must return without raising.
CURRENT: dict[str, Call] = {
    "album": lambda e: e.sp.album(e.ids.album, market="US"),
    "album_tracks": lambda e: e.sp.album_tracks(e.ids.album),
    "artist": lambda e: e.sp.artist(e.ids.artist),
    "artist_albums": lambda e: e.sp.artist_albums(e.ids.artist, include_groups="album", limit=10),
    "track": lambda e: e.sp.track(e.ids.track),
    "show": lambda e: e.sp.show(e.ids.show),
    "show_episodes": lambda e: e.sp.show_episodes(e.ids.show),
    "episode": lambda e: e.sp.episode(e.ids.episode),
    "get_audiobook": lambda e: e.sp.get_audiobook(e.ids.audiobook, market="US"),
    "get_audiobook_chapters": lambda e: e.sp.get_audiobook_chapters(e.ids.audiobook),
    "search": lambda e: e.sp.search("year:1970-2025", type="track,artist,album,playlist"),
    "search_markets": lambda e: e.sp.search_markets("a", limit=2, markets=["US", "GB"]),
    "me": lambda e: e.sp.me(),
    "current_user": lambda e: e.sp.current_user(),
    "current_user_top_artists": lambda e: e.sp.current_user_top_artists(time_range="long_term"),
    "current_user_top_tracks": lambda e: e.sp.current_user_top_tracks(limit=50),
    "current_user_followed_artists": lambda e: e.sp.current_user_followed_artists(limit=5),
    "current_user_following_artists": lambda e: e.sp.current_user_following_artists([e.ids.artist]),
    "current_user_following_users": lambda e: e.sp.current_user_following_users([DJ_USER]),
    "user_follow_artists": lambda e: e.sp.user_follow_artists([e.ids.artist]),
    "user_unfollow_artists": lambda e: e.sp.user_unfollow_artists([e.ids.artist]),
    "user_follow_users": lambda e: e.sp.user_follow_users([DJ_USER]),
    "user_unfollow_users": lambda e: e.sp.user_unfollow_users([DJ_USER]),
    "current_user_follow_playlist": lambda e: e.sp.current_user_follow_playlist(
        UNFOLLOWED_PLAYLIST
    ),
    "user_playlist_follow_playlist": lambda e: e.sp.user_playlist_follow_playlist(
        "sandboxcurator", UNFOLLOWED_PLAYLIST
    ),
    "current_user_saved_items": lambda e: e.sp.current_user_saved_items([e.track_uri]),
    "current_user_saved_tracks": lambda e: e.sp.current_user_saved_tracks(limit=50),
    "current_user_saved_tracks_add": lambda e: e.sp.current_user_saved_tracks_add([e.ids.track]),
    "current_user_saved_tracks_delete": lambda e: e.sp.current_user_saved_tracks_delete(
        [e.ids.track]
    ),
    "current_user_saved_tracks_contains": lambda e: e.sp.current_user_saved_tracks_contains(
        [e.ids.track]
    ),
    "current_user_saved_albums": lambda e: e.sp.current_user_saved_albums(),
    "current_user_saved_albums_add": lambda e: e.sp.current_user_saved_albums_add([e.ids.album]),
    "current_user_saved_albums_delete": lambda e: e.sp.current_user_saved_albums_delete(
        [e.ids.album]
    ),
    "current_user_saved_albums_contains": lambda e: e.sp.current_user_saved_albums_contains(
        [e.ids.album]
    ),
    "current_user_saved_episodes": lambda e: e.sp.current_user_saved_episodes(),
    "current_user_saved_episodes_add": lambda e: e.sp.current_user_saved_episodes_add(
        [e.ids.episode]
    ),
    "current_user_saved_episodes_delete": lambda e: e.sp.current_user_saved_episodes_delete(
        [e.ids.episode]
    ),
    "current_user_saved_shows": lambda e: e.sp.current_user_saved_shows(),
    "current_user_saved_shows_add": lambda e: e.sp.current_user_saved_shows_add([e.ids.show]),
    "current_user_saved_shows_delete": lambda e: e.sp.current_user_saved_shows_delete([e.ids.show]),
    "current_user_saved_shows_contains": lambda e: e.sp.current_user_saved_shows_contains(
        [e.ids.show]
    ),
    "next": lambda e: e.sp.next(e.sp.current_user_saved_tracks(limit=50)),
    "previous": lambda e: e.sp.previous(e.sp.current_user_saved_tracks(limit=50, offset=50)),
    "current_user_playlists": lambda e: e.sp.current_user_playlists(),
    "current_user_playlist_create": lambda e: e.sp.current_user_playlist_create("New"),
    "playlist": lambda e: e.sp.playlist(DEEP_FOCUS_PLAYLIST, fields="name,items.total"),
    "user_playlist": lambda e: e.sp.user_playlist("sandboxpremium", DEEP_FOCUS_PLAYLIST),
    "playlist_items": lambda e: e.sp.playlist_items(DEEP_FOCUS_PLAYLIST, limit=50, offset=100),
    # spotipy defaults to limit=100 here; openapi.yml allows at most 50 on /items (400 above).
    "playlist_tracks": lambda e: e.sp.playlist_tracks(DEEP_FOCUS_PLAYLIST, limit=50),
    "user_playlist_tracks": lambda e: e.sp.user_playlist_tracks(
        "sandboxpremium", DEEP_FOCUS_PLAYLIST, limit=50
    ),
    "playlist_change_details": lambda e: e.sp.playlist_change_details(EMPTY_PLAYLIST, name="x"),
    "user_playlist_change_details": lambda e: e.sp.user_playlist_change_details(
        "sandboxpremium", EMPTY_PLAYLIST, description="d"
    ),
    "playlist_add_items": lambda e: e.sp.playlist_add_items(
        EMPTY_PLAYLIST, [e.ids.track], position=0
    ),
    "user_playlist_add_tracks": lambda e: e.sp.user_playlist_add_tracks(
        "sandboxpremium", COLLAB_PLAYLIST, [e.ids.track]
    ),
    "user_playlist_add_episodes": lambda e: e.sp.user_playlist_add_episodes(
        "sandboxpremium", EMPTY_PLAYLIST, [f"spotify:episode:{e.ids.episode}"]
    ),
    "playlist_replace_items": lambda e: e.sp.playlist_replace_items(EMPTY_PLAYLIST, [e.ids.track]),
    "user_playlist_replace_tracks": lambda e: e.sp.user_playlist_replace_tracks(
        "sandboxpremium", EMPTY_PLAYLIST, [e.ids.track]
    ),
    "playlist_reorder_items": lambda e: e.sp.playlist_reorder_items(DEEP_FOCUS_PLAYLIST, 0, 5),
    "user_playlist_reorder_tracks": lambda e: e.sp.user_playlist_reorder_tracks(
        "sandboxpremium", DEEP_FOCUS_PLAYLIST, 3, 0, range_length=2
    ),
    "playlist_remove_all_occurrences_of_items": lambda e: (
        e.sp.playlist_remove_all_occurrences_of_items(DEEP_FOCUS_PLAYLIST, [e.track_uri])
    ),
    "user_playlist_remove_all_occurrences_of_tracks": lambda e: (
        e.sp.user_playlist_remove_all_occurrences_of_tracks(
            "sandboxpremium", DEEP_FOCUS_PLAYLIST, [e.track_uri]
        )
    ),
    "playlist_remove_specific_occurrences_of_items": lambda e: (
        e.sp.playlist_remove_specific_occurrences_of_items(
            DEEP_FOCUS_PLAYLIST, [{"uri": e.first_item_uri(DEEP_FOCUS_PLAYLIST), "positions": [0]}]
        )
    ),
    "playlist_cover_image": lambda e: e.sp.playlist_cover_image(DEEP_FOCUS_PLAYLIST),
    "playlist_upload_cover_image": lambda e: e.sp.playlist_upload_cover_image(
        EMPTY_PLAYLIST, base64.b64encode(b"\xff\xd8\xff\xe0JFIF").decode()
    ),
    "devices": lambda e: e.sp.devices(),
    "transfer_playback": lambda e: e.sp.transfer_playback(LAPTOP, force_play=False),
    "start_playback": lambda e: e.sp.start_playback(device_id=LAPTOP, uris=[e.track_uri]),
    "pause_playback": lambda e: (e.play(), e.sp.pause_playback()),
    "next_track": lambda e: (e.play(), e.sp.next_track()),
    "previous_track": lambda e: (e.play(), e.sp.previous_track()),
    "seek_track": lambda e: (e.play(), e.sp.seek_track(10_000)),
    "repeat": lambda e: (e.play(), e.sp.repeat("track")),
    "shuffle": lambda e: (e.play(), e.sp.shuffle(True)),
    "volume": lambda e: (e.play(), e.sp.volume(55)),
    "add_to_queue": lambda e: (e.play(), e.sp.add_to_queue(e.track_uri)),
    "queue": lambda e: (e.play(), e.sp.queue()),
    "current_playback": lambda e: (e.play(), e.sp.current_playback()),
    "currently_playing": lambda e: (e.play(), e.sp.currently_playing()),
    "current_user_playing_track": lambda e: e.sp.current_user_playing_track(),
    "current_user_recently_played": lambda e: e.sp.current_user_recently_played(limit=50),
    "set_auth": lambda e: e.sp.set_auth(e.sp._auth),
}

# Methods of endpoints Spotify removed for development-mode apps: spotipy raises on the 403.
REMOVED: dict[str, Call] = {
    "albums": lambda e: e.sp.albums([e.ids.album]),
    "artists": lambda e: e.sp.artists([e.ids.artist]),
    "tracks": lambda e: e.sp.tracks([e.ids.track]),
    "shows": lambda e: e.sp.shows([e.ids.show]),
    "episodes": lambda e: e.sp.episodes([e.ids.episode]),
    "get_audiobooks": lambda e: e.sp.get_audiobooks([e.ids.audiobook]),
    "artist_top_tracks": lambda e: e.sp.artist_top_tracks(e.ids.artist),
    "artist_related_artists": lambda e: e.sp.artist_related_artists(e.ids.artist),
    "audio_features": lambda e: e.sp.audio_features([e.ids.track]),
    "audio_analysis": lambda e: e.sp.audio_analysis(e.ids.track),
    "recommendations": lambda e: e.sp.recommendations(seed_tracks=[e.ids.track]),
    "recommendation_genre_seeds": lambda e: e.sp.recommendation_genre_seeds(),
    "available_markets": lambda e: e.sp.available_markets(),
    "categories": lambda e: e.sp.categories(),
    "category": lambda e: e.sp.category("pop"),
    "category_playlists": lambda e: e.sp.category_playlists("pop"),
    "featured_playlists": lambda e: e.sp.featured_playlists(),
    "new_releases": lambda e: e.sp.new_releases(),
    "user": lambda e: e.sp.user(DJ_USER),
    "user_playlists": lambda e: e.sp.user_playlists(DJ_USER),
    "user_playlist_create": lambda e: e.sp.user_playlist_create("sandboxpremium", "n"),
    "current_user_saved_episodes_contains": lambda e: e.sp.current_user_saved_episodes_contains(
        [e.ids.episode]
    ),
    "current_user_unfollow_playlist": lambda e: e.sp.current_user_unfollow_playlist(
        COLLAB_PLAYLIST
    ),
    "user_playlist_unfollow": lambda e: e.sp.user_playlist_unfollow("x", COLLAB_PLAYLIST),
}

# Not a Spotify endpoint at all: spotipy's legacy /users/{user}/playlists/{id}/tracks path.
UNKNOWN_PATH: dict[str, Call] = {
    "user_playlist_remove_specific_occurrences_of_tracks": lambda e: (
        e.sp.user_playlist_remove_specific_occurrences_of_tracks(
            "sandboxpremium", EMPTY_PLAYLIST, [{"uri": e.track_uri, "positions": [0]}]
        )
    ),
}

# spotipy bugs: these raise before sending anything, so they are not called.
SPOTIPY_BUGS = {
    "playlist_is_following": "spotipy 2.26 passes warnings.warn() a third positional "
    "argument (TypeError before any request)",
    "user_playlist_is_following": "delegates to playlist_is_following (same TypeError)",
}


@pytest.fixture
def env(sb: Sandbox) -> Env:
    sp = spotipy.Spotify(auth=sb.token(), retries=0, status_retries=0)
    sp.prefix = sb.api_url + "/"
    return Env(sp, Ids.of(sb))


def test_every_public_spotipy_method_is_exercised() -> None:
    public = {
        name
        for name, member in inspect.getmembers(spotipy.Spotify, inspect.isfunction)
        if not name.startswith("_")
    }
    listed = set(CURRENT) | set(REMOVED) | set(UNKNOWN_PATH) | set(SPOTIPY_BUGS)
    assert public == listed, {"not listed": public - listed, "not in spotipy": listed - public}


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_current_method_works(name: str, env: Env) -> None:
    CURRENT[name](env)


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_removed_method_gets_403(name: str, env: Env) -> None:
    with pytest.raises(spotipy.SpotifyException) as raised:
        REMOVED[name](env)
    assert raised.value.http_status == 403


def test_legacy_path_is_not_found(env: Env) -> None:
    (call,) = UNKNOWN_PATH.values()
    with pytest.raises(spotipy.SpotifyException) as raised:
        call(env)
    assert raised.value.http_status == 404


def test_spotipy_results_are_usable(env: Env) -> None:
    """A few reads whose content spotipy users rely on."""
    saved = env.sp.current_user_saved_tracks(limit=50)
    assert saved["total"] >= 1200
    assert env.sp.next(saved)["offset"] == 50
    env.play()
    playing = env.sp.current_playback()
    assert playing["is_playing"] and playing["device"]["id"] == LAPTOP
    assert env.sp.current_user_saved_tracks_contains([env.ids.track]) in ([True], [False])
