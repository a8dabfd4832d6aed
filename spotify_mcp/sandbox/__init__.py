"""A faithful emulator of the Spotify Web API (and its accounts service) for tests and demos.

with Sandbox() as sb:
    sp = spotipy.Spotify(auth=sb.token())
    sp.prefix = sb.api_url + "/"
"""

from .seed import FREE_USER, PREMIUM_USER
from .server import Sandbox, serve

__all__ = ["FREE_USER", "PREMIUM_USER", "Sandbox", "serve"]
