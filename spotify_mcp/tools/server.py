"""The ``server`` plugin: ``server_info``, useful before any Spotify tool is called.

A core part (it cannot be disabled), but registered through an entry point like any other
plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from spotify_mcp import hookimpl

if TYPE_CHECKING:
    from spotify_mcp.app import App
    from spotify_mcp.registry import ToolRegistry


class ServerInfo(BaseModel):
    version: str
    api: str = Field(description="The Spotify Web API base URL in use (or the sandbox's).")
    login: str = Field(description="user, app (catalog only) or none.")
    plugins: list[str] = Field(description="Enabled plugins that loaded.")
    failed: dict[str, str] = Field(description="Plugins that failed to load, with the error.")
    pipeline: list[str] = Field(description="Middleware around each request, outermost first.")
    tools: int


def server_info(app: App) -> ServerInfo:
    """Version, plugins (and failures), middleware pipeline and login of this server: why a
    tool is missing."""
    return ServerInfo(
        version=app.version,
        api=app.api_base_url,
        login=app.credentials.kind,
        plugins=app.plugins.loaded(),
        failed={n: i.error for n, i in app.plugins.info.items() if i.error},
        pipeline=[f"{mw.name}({app.effective_order(mw)})" for mw in app.middleware],
        tools=len(app.visible_tools()),
    )


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(
        server_info, title="Server info", read_only=True, open_world=False, requires_user=False
    )
