"""What is installed and what it contributes, for ``plugins list`` and ``tools list``."""

from __future__ import annotations

from typing import Any

from spotify_mcp.app import App

#: Which hook makes a plugin which kind.
HOOK_KINDS = {
    "register_tools": "tools",
    "register_resources": "resources",
    "register_prompts": "prompts",
    "request_middleware": "middleware",
    "health_checks": "health",
    "register_commands": "commands",
}


def describe_plugins(app: App) -> list[dict[str, Any]]:
    middleware = app.middleware_by_plugin
    rows = []
    for info in sorted(app.plugins.info.values(), key=lambda i: i.name):
        hooks = app.plugins.hooks_of(info.name)
        mw = middleware.get(info.name)
        rows.append(
            {
                "name": info.name,
                "kinds": [kind for hook, kind in HOOK_KINDS.items() if hook in hooks],
                "enabled": info.enabled,
                "distribution": info.distribution,
                "version": info.version,
                "order": app.effective_order(mw) if mw else None,
                "middleware": mw.name if mw else None,
                "tools": [spec.name for spec in app.tools.by_plugin(info.name)],
                "error": info.error,
            }
        )
    return rows


def describe_tools(app: App) -> list[dict[str, Any]]:
    visible = {spec.name for spec in app.visible_tools()}
    return [
        {
            "name": spec.name,
            "plugin": spec.plugin,
            "title": spec.title,
            "read_only": spec.read_only,
            "destructive": spec.destructive,
            "idempotent": spec.idempotent,
            "open_world": spec.open_world,
            "hidden": None if spec.name in visible else app.hidden_reason(spec),
        }
        for spec in app.tools
    ]
