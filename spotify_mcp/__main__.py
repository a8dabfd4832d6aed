"""``python -m spotify_mcp``: the same as the ``spotify-mcp`` command."""

from spotify_mcp.cli import main

main()
