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
    "http_routes": "http",
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
    return [
        {
            "name": spec.name,
            "plugin": spec.plugin,
            "title": spec.title,
            "read_only": spec.read_only,
            "destructive": spec.destructive,
            "idempotent": spec.idempotent,
            "open_world": spec.open_world,
            "hidden": app.hidden_reason(spec),
        }
        for spec in app.tools
    ]


_METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}


def operations_table(app: App) -> str:
    """The README's Markdown table: each Web API operation a tool declares, and its tools."""
    tools: dict[str, list[str]] = {}
    for spec in app.tools:
        for operation in spec.endpoints:
            tools.setdefault(operation, []).append(spec.name)

    def key(operation: str) -> tuple[str, int]:
        method, path = operation.split(" ", 1)
        return path, _METHOD_ORDER.get(method, len(_METHOD_ORDER))

    rows = [
        f"| `{operation}` | {', '.join(f'`{name}`' for name in sorted(tools[operation]))} |"
        for operation in sorted(tools, key=key)
    ]
    return "\n".join(["| Operation | Tools |", "| --- | --- |", *rows]) + "\n"
