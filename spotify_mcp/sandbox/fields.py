"""The `fields` filter of the playlist endpoints: `name,items(added_by.id,track(name,!href))`.

A comma-separated list of keys; `a.b` and `a(b,c)` select inside `a` (applied to every
element of a list); a `!key` excludes. When a level names any key to include, only those
keys are kept there; otherwise everything except the excluded keys is kept.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

# key -> (excluded?, selection inside it or None)
Selection = dict[str, tuple[bool, "Selection | None"]]


def parse_fields(spec: str) -> Selection:
    text = spec.replace(" ", "")
    selection, end = _parse_list(text, 0)
    if end != len(text):
        raise bad_request("Invalid fields parameter")
    return selection


def _parse_list(text: str, pos: int) -> tuple[Selection, int]:
    selection: Selection = {}
    while True:
        key, inner, pos = _parse_field(text, pos)
        selection[key.lstrip("!")] = (key.startswith("!"), inner)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return selection, pos


def _parse_field(text: str, pos: int) -> tuple[str, Selection | None, int]:
    start = pos
    while pos < len(text) and text[pos] not in ",.()":
        pos += 1
    key = text[start:pos]
    if not key.lstrip("!"):
        raise bad_request("Invalid fields parameter")
    if pos < len(text) and text[pos] == ".":
        sub_key, sub_inner, pos = _parse_field(text, pos + 1)
        return key, {sub_key.lstrip("!"): (sub_key.startswith("!"), sub_inner)}, pos
    if pos < len(text) and text[pos] == "(":
        inner, pos = _parse_list(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise bad_request("Invalid fields parameter")
        return key, inner, pos + 1
    return key, None, pos


def select(value: Any, selection: Selection) -> Any:
    """`value` reduced to the selected keys (lists are filtered element by element)."""
    if isinstance(value, list):
        return [select(item, selection) for item in value]
    if not isinstance(value, dict):
        return value
    included = {key: inner for key, (excluded, inner) in selection.items() if not excluded}
    if not included:
        excluded_keys = {key for key, (excluded, _) in selection.items() if excluded}
        return {key: item for key, item in value.items() if key not in excluded_keys}
    return {
        key: select(value[key], inner) if inner else value[key]
        for key, inner in included.items()
        if key in value
    }
