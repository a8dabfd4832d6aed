"""The 48 operations Spotify removed for development-mode apps (February/March 2026).

Spotify answers them with 403 Forbidden and an ErrorObject for development-mode apps (the
batch GETs, recommendations, audio features, browse, per-type library endpoints, ...), which
is what apps built today run as; only extended-quota apps still get data. The sandbox is a
development-mode app's view, so each of these authenticates the token as usual (401 comes
first) and then answers 403.
"""

from __future__ import annotations

from .endpoint import Call, Operations
from .errors import forbidden

REMOVED = (
    ("GET", "/albums"),
    ("GET", "/artists"),
    ("GET", "/artists/{id}/top-tracks"),
    ("GET", "/artists/{id}/related-artists"),
    ("GET", "/shows"),
    ("GET", "/episodes"),
    ("GET", "/audiobooks"),
    ("PUT", "/me/audiobooks"),
    ("DELETE", "/me/audiobooks"),
    ("GET", "/me/audiobooks/contains"),
    ("GET", "/chapters"),
    ("GET", "/tracks"),
    ("GET", "/playlists/{playlist_id}/tracks"),
    ("PUT", "/playlists/{playlist_id}/tracks"),
    ("POST", "/playlists/{playlist_id}/tracks"),
    ("DELETE", "/playlists/{playlist_id}/tracks"),
    ("PUT", "/me/albums"),
    ("DELETE", "/me/albums"),
    ("GET", "/me/albums/contains"),
    ("PUT", "/me/tracks"),
    ("DELETE", "/me/tracks"),
    ("GET", "/me/tracks/contains"),
    ("PUT", "/me/episodes"),
    ("DELETE", "/me/episodes"),
    ("GET", "/me/episodes/contains"),
    ("PUT", "/me/shows"),
    ("DELETE", "/me/shows"),
    ("GET", "/me/shows/contains"),
    ("GET", "/users/{user_id}"),
    ("GET", "/users/{user_id}/playlists"),
    ("POST", "/users/{user_id}/playlists"),
    ("PUT", "/playlists/{playlist_id}/followers"),
    ("DELETE", "/playlists/{playlist_id}/followers"),
    ("GET", "/browse/featured-playlists"),
    ("GET", "/browse/categories"),
    ("GET", "/browse/categories/{category_id}"),
    ("GET", "/browse/categories/{category_id}/playlists"),
    ("GET", "/browse/new-releases"),
    ("PUT", "/me/following"),
    ("DELETE", "/me/following"),
    ("GET", "/me/following/contains"),
    ("GET", "/playlists/{playlist_id}/followers/contains"),
    ("GET", "/audio-features"),
    ("GET", "/audio-features/{id}"),
    ("GET", "/audio-analysis/{id}"),
    ("GET", "/recommendations"),
    ("GET", "/recommendations/available-genre-seeds"),
    ("GET", "/markets"),
)
MESSAGE = "This endpoint is not available to development-mode apps"

ops = Operations()


def removed(call: Call) -> None:
    raise forbidden(MESSAGE)


for _method, _path in REMOVED:
    ops.route(_method, _path)(removed)
