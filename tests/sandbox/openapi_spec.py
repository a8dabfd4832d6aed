"""openapi.yml as response validators (read from SPOTIFY_OPENAPI_SPEC; never copied).

OpenAPI 3.0 is close to JSON Schema draft 7 except for `nullable`, which becomes a `null`
alternative here. Every `$ref` resolves inside the loaded spec document.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC_ENV = "SPOTIFY_OPENAPI_SPEC"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "spotify-web-api" / "openapi.yml"
SPEC_URI = "urn:spotify-openapi"
JSON_SCHEMA = "/content/application~1json/schema"
# The generic {"error": ErrorObject} body, for error statuses an operation does not list.
ERROR_POINTER = "/components/responses/BadRequest" + JSON_SCHEMA
METHODS = ("get", "put", "post", "delete")
# The spec lists only 200 here; Spotify answers 204 when nothing is playing (SOURCE.md).
CURRENTLY_PLAYING = ("GET", "/me/player/currently-playing")


def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or DEFAULT_SPEC)


@cache
def load_spec() -> dict[str, Any]:
    path = spec_path()
    if not path.is_file():
        pytest.fail(
            f"openapi.yml not found at {path}: set {SPEC_ENV} to the path of Spotify's OpenAPI "
            "spec (sonallux/spotify-web-api fixed-spotify-open-api.yml)",
            pytrace=False,
        )
    with path.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def _json_schema(node: Any) -> Any:
    """A copy of `node` with OpenAPI's `nullable: true` turned into JSON Schema."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class SpecValidator:
    """Looks up operations of the spec and validates responses against their schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(_json_schema(spec), default_specification=DRAFT7)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self.operations = {
            (method.upper(), path): op
            for path, item in spec["paths"].items()
            for method, op in item.items()
            if method in METHODS
        }
        self._templates = [
            (re.compile("^/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "/?$"), method, path)
            for method, path in self.operations
        ]
        self._validators: dict[str, Draft7Validator] = {}

    def current(self) -> set[tuple[str, str]]:
        return {key for key, op in self.operations.items() if not op.get("deprecated")}

    def deprecated(self) -> set[tuple[str, str]]:
        return {key for key, op in self.operations.items() if op.get("deprecated")}

    def scopes(self, key: tuple[str, str]) -> set[str]:
        requirements = self.operations[key].get("security", [])
        return {scope for req in requirements for scope in req.get("oauth_2_0", [])}

    def operation_of(self, method: str, url_path: str) -> tuple[str, str]:
        matches = [
            (m, path) for regex, m, path in self._templates if m == method and regex.match(url_path)
        ]
        # A literal segment beats a parameter (e.g. /me/library/contains over /me/{x}).
        matches.sort(key=lambda key: key[1].count("{"))
        assert matches, f"{method} {url_path} is no operation of the spec"
        return matches[0]

    def _pointer(self, key: tuple[str, str], status: int) -> str | None:
        """JSON pointer to the response schema; None for a response without a body."""
        responses = self.operations[key]["responses"]
        response = responses.get(str(status))
        if response is None:
            assert status >= 400, f"{key} does not document status {status}"
            return ERROR_POINTER
        if "$ref" in response:
            target = self._resolve(response["$ref"])
            if "content" not in target:  # a few 400s point at ErrorObject itself
                return ERROR_POINTER
            return response["$ref"][1:] + JSON_SCHEMA
        if "content" not in response:
            return None
        method, path = key
        return f"/paths/{_escape(path)}/{method.lower()}/responses/{status}{JSON_SCHEMA}"

    def _resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def validate(self, key: tuple[str, str], response: requests.Response) -> None:
        """Assert that `response` has a body of the documented shape (or none where none)."""
        idle = key == CURRENTLY_PLAYING and response.status_code == 204
        pointer = None if idle else self._pointer(key, response.status_code)
        if pointer is None:
            assert not response.content, f"{key} {response.status_code} should have no body"
            return
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            validator = self._validators[pointer] = Draft7Validator(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
        assert not errors, f"{key} {response.status_code}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5]
        )
