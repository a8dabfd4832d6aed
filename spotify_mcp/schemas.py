"""JSON schemas as tools/list sends them: only what tells a model something.

tools/list is read by a model at the start of every conversation, so every byte counts. Input
schemas lose the ``title`` pydantic puts everywhere (names already say it), the null branch and
``default: null`` of optional values (arguments can be left out) and defaults of false or 0.
Output schemas also lose descriptions and ``required`` (results leave out empty fields), and a
definition used once is written in place.
"""

from __future__ import annotations

import json
from typing import Any, cast

_MAPPINGS = ("properties", "$defs", "patternProperties")  # their keys are names, not keywords
_INPUT_NOISE = frozenset({"title"})
_OUTPUT_NOISE = frozenset({"title", "description", "required"})


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema without what says nothing (see the module docstring)."""
    return cast(dict[str, Any], _compact(schema, _INPUT_NOISE, in_mapping=False))


def compact_output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """An output schema without what says nothing (see the module docstring)."""
    return _inline_single_use(cast(dict[str, Any], _compact(schema, _OUTPUT_NOISE, False)))


def _compact(node: Any, noise: frozenset[str], in_mapping: bool) -> Any:
    if isinstance(node, list):
        return [_compact(item, noise, False) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {
        key: _compact(value, noise, in_mapping=key in _MAPPINGS)
        for key, value in node.items()
        if in_mapping or key not in noise
    }
    return kept if in_mapping else _omittable(kept)


def _omittable(node: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [X, {"type": "null"}], "default": null, ...}`` -> ``{**X, ...}``, and no
    ``default`` of false or 0 (what leaving a flag or a count out means anyway)."""
    default = node.get("default", ...)
    if default is False or (default == 0 and node.get("type") == "integer"):
        node = {key: value for key, value in node.items() if key != "default"}
    branches, null = node.get("anyOf") or [], {"type": "null"}
    if node.get("default", ...) is not None or null not in branches:
        return node
    rest = [branch for branch in branches if branch != null]
    node = {key: value for key, value in node.items() if key not in ("anyOf", "default")}
    return {**rest[0], **node} if len(rest) == 1 else {"anyOf": rest, **node}


def _inline_single_use(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.get("$defs", {})
    text = json.dumps(schema)
    single = {name for name in definitions if text.count(json.dumps(f"#/$defs/{name}")) == 1}
    if not single:
        return schema

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        name = node.get("$ref", "").removeprefix("#/$defs/")
        if name in single:
            return inline(definitions[name])
        return {k: inline(v) for k, v in node.items() if k != "$defs"}

    kept = {name: inline(d) for name, d in definitions.items() if name not in single}
    body = inline(schema)
    return {**body, "$defs": kept} if kept else body
