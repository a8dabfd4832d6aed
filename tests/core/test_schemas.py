"""Compact schemas keep every constraint and drop only what says nothing."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from spotify_mcp.schemas import compact_output_schema, compact_schema


class Item(BaseModel):
    """A docstring that must not reach tools/list."""

    uri: str
    title: str = Field(description="A property named title is kept.")


class Page(BaseModel):
    items: list[Item]
    next_offset: int | None = None


class Pair(BaseModel):
    first: Item
    second: Item


def test_input_schema_keeps_constraints_and_drops_noise() -> None:
    class Args(BaseModel):
        limit: Annotated[int, Field(ge=1, le=50, description="How many")] = 20
        offset: Annotated[int, Field(ge=0)] = 0
        all: bool = False
        market: str | None = None

    schema = compact_schema(Args.model_json_schema())
    assert schema == {
        "properties": {
            "limit": {
                "default": 20,
                "description": "How many",
                "maximum": 50,
                "minimum": 1,
                "type": "integer",
            },
            "offset": {"minimum": 0, "type": "integer"},
            "all": {"type": "boolean"},
            "market": {"type": "string"},
        },
        "type": "object",
    }


def test_output_schema_inlines_single_use_definitions() -> None:
    schema = compact_output_schema(Page.model_json_schema())
    assert "$defs" not in schema
    item = schema["properties"]["items"]["items"]
    assert item == {
        "properties": {"uri": {"type": "string"}, "title": {"type": "string"}},
        "type": "object",
    }
    assert schema["properties"]["next_offset"] == {"type": "integer"}


def test_output_schema_keeps_shared_definitions() -> None:
    schema = compact_output_schema(Pair.model_json_schema())
    assert set(schema["$defs"]) == {"Item"}
    assert schema["properties"]["first"] == {"$ref": "#/$defs/Item"}
