"""A plugin-based Model Context Protocol server for the Spotify Web API.

Plugin authors need :data:`hookimpl` (mark hook implementations) and the modules
:mod:`spotify_mcp.registry`, :mod:`spotify_mcp.pipeline`, :mod:`spotify_mcp.errors`,
:mod:`spotify_mcp.refs`, :mod:`spotify_mcp.models`, :mod:`spotify_mcp.fanout` and
:mod:`spotify_mcp.progress`; see hookspecs.py for every hook.
"""

import pluggy

#: The one place the version is written; pyproject.toml reads it from here.
__version__ = "0.1.0"

#: Marks a function as a hook implementation: ``@hookimpl def register_tools(registry): ...``
hookimpl = pluggy.HookimplMarker("spotify_mcp")

__all__ = ["__version__", "hookimpl"]
