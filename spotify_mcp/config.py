"""Settings: defaults < TOML config file < environment < command line.

The config file is ``config.toml`` in ``SPOTIFY_MCP_HOME`` (which relocates everything the
server writes) or in the platform's config directory. Environment variables are
``SPOTIFY_MCP_<KEY>``, with ``__`` between nested keys (``SPOTIFY_MCP_CACHE__TTL_S``), plus
the unprefixed ``SPOTIFY_*`` names in :data:`SPOTIFY_ENV`. Each plugin's own section is a
typed model it returns from the ``plugin_settings`` hook.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, get_origin

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

APP_NAME = "spotify-mcp"
ENV_PREFIX = "SPOTIFY_MCP_"
#: Unprefixed variables, named as other Spotify tools name them.
SPOTIFY_ENV = {
    "SPOTIFY_CLIENT_ID": "client_id",
    "SPOTIFY_CLIENT_SECRET": "client_secret",
    "SPOTIFY_REDIRECT_URI": "redirect_uri",
    "SPOTIFY_API_BASE_URL": "api_base_url",
    "SPOTIFY_ACCOUNTS_BASE_URL": "accounts_base_url",
    "SPOTIFY_ACCESS_TOKEN": "access_token",
}

M = TypeVar("M", bound=BaseModel)
LogLevel = Literal["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"]
LOG_LEVELS: tuple[str, ...] = LogLevel.__args__  # type: ignore[attr-defined]
LogFormat = Literal["text", "json"]
_PATH_VARIABLES = {f"{ENV_PREFIX}HOME", f"{ENV_PREFIX}CONFIG"}  # where, not what


class ConfigError(Exception):
    """The configuration is invalid; the message names the key and the source."""


class PluginsSettings(BaseModel):
    disabled: list[str] = Field(default_factory=list, description="Plugins not to load.")


class PipelineSettings(BaseModel):
    order: dict[str, int] = Field(
        default_factory=dict, description="Middleware order overrides, by middleware name."
    )


class HttpSettings(BaseModel):
    """``serve --http``: MCP over Streamable HTTP."""

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port to listen on.")
    path: str = Field(default="/mcp", pattern="^/", description="Where MCP is served.")
    bearer_token: SecretStr | None = Field(
        default=None, description="Clients must send `Authorization: Bearer <this>`."
    )
    shutdown_grace_s: float = Field(
        default=20.0,
        ge=0,
        le=3600,
        description="At SIGTERM, how long calls in flight get to finish.",
    )
    read_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long a request may take to arrive in full; a slower client is cut off.",
    )

    @field_validator("bearer_token", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        """A secret file's trailing newline is not part of the token clients send."""
        return value.strip() if isinstance(value, str) else value


class Settings(BaseSettings):
    """The core's settings. Plugin sections are added as fields by :func:`load_config`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore"
    )

    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    client_id: str | None = Field(None, description="Spotify app client ID (for login).")
    client_secret: SecretStr | None = Field(None, description="Only for confidential apps.")
    redirect_uri: str = "http://127.0.0.1:8888/callback"
    api_base_url: str = "https://api.spotify.com/v1"
    accounts_base_url: str = "https://accounts.spotify.com"
    access_token: SecretStr | None = Field(None, description="Used as is, never refreshed.")
    market: str | None = Field(None, description="ISO 3166-1 country code for catalog lookups.")
    request_timeout_s: float = Field(10.0, gt=0)
    redis_url: SecretStr | None = Field(
        None, description="Redis that replicas share the login and the cache through."
    )
    plugins: PluginsSettings = Field(default_factory=PluginsSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _SpotifyEnvSource(settings_cls),
            TomlConfigSettingsSource(settings_cls),
        )


class _SpotifyEnvSource(PydanticBaseSettingsSource):
    """The unprefixed ``SPOTIFY_*`` variables of :data:`SPOTIFY_ENV`."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ is overridden; pydantic-settings requires this

    def __call__(self) -> dict[str, Any]:
        return {key: os.environ[env] for env, key in SPOTIFY_ENV.items() if os.environ.get(env)}


@dataclass(frozen=True)
class Paths:
    """Where the server reads its config and writes tokens and caches."""

    config_file: Path
    data_dir: Path
    cache_dir: Path

    @classmethod
    def discover(cls, config_file: str | Path | None = None) -> Paths:
        home = os.environ.get("SPOTIFY_MCP_HOME")
        if home:
            base = Path(home).expanduser()
            default_config, data, cache = base / "config.toml", base / "data", base / "cache"
        else:
            import platformdirs

            default_config = platformdirs.user_config_path(APP_NAME) / "config.toml"
            data = platformdirs.user_data_path(APP_NAME)
            cache = platformdirs.user_cache_path(APP_NAME)
        chosen = config_file or os.environ.get(f"{ENV_PREFIX}CONFIG") or default_config
        return cls(Path(chosen).expanduser(), data, cache)


@dataclass(frozen=True)
class Config:
    """What plugins receive: the validated settings and the paths."""

    settings: Settings
    paths: Paths
    sandbox: bool = False
    """A run against the built-in emulator (``--sandbox``), which starts afresh each time: it
    shares no state with real servers (no ``redis_url``; a cache directory of its own, which
    plugins keep theirs in)."""

    def section(self, name: str, model: type[M]) -> M:
        """The plugin section ``name``, validated as ``model`` (defaults if absent)."""
        value = getattr(self.settings, name, None)
        return value if isinstance(value, model) else model.model_validate(value or {})

    def unread_keys(
        self, unloaded_plugins: Collection[str], overrides: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str, str | None]]:
        """``(where, key, closest known key)`` for each key of the config file, each
        ``SPOTIFY_MCP_*`` variable and each of ``overrides`` (``--set``) that no setting reads:
        typos, mostly. The sections of installed plugins not loaded (disabled) are left alone."""
        sources = [(str(self.paths.config_file), read_file(self.paths.config_file))]
        sources += _environment_settings().items()
        sources.append(("--set", dict(overrides or {})))
        return [
            (where, key, close)
            for where, data in sources
            for key, close in _unread(data, type(self.settings))
            if key not in unloaded_plugins
        ]


def _environment_settings() -> dict[str, dict[str, Any]]:
    """Each ``SPOTIFY_MCP_*`` variable but the paths, as the nested setting it gives."""
    found = {}
    for name, value in os.environ.items():
        if name.startswith(ENV_PREFIX) and name not in _PATH_VARIABLES:
            *sections, key = name.removeprefix(ENV_PREFIX).lower().split("__")
            setting: dict[str, Any] = {key: value}
            for section in reversed(sections):
                setting = {section: setting}
            found[name] = setting
    return found


def closest(name: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` that ``name`` most likely misspells, if any."""
    import difflib  # only for a name nobody knows

    found = difflib.get_close_matches(name, list(names), n=1)
    return found[0] if found else None


def _unread(
    data: Mapping[str, Any], model: type[BaseModel], prefix: str = ""
) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        section = field.annotation if field else None
        if field is None:
            close = closest(key, model.model_fields)
            found.append((prefix + key, prefix + close if close else None))
        elif (
            isinstance(section, type) and issubclass(section, BaseModel) and isinstance(value, dict)
        ):
            found += _unread(value, section, f"{prefix}{key}.")
    return found


def load_config(
    paths: Paths,
    overrides: Mapping[str, Any] | None = None,
    sections: Mapping[str, type[BaseModel]] | None = None,
) -> Config:
    """Read the settings; ``overrides`` (from the command line) win over every other source."""
    if paths.config_file.is_dir():  # pydantic-settings would read nothing, without a word
        raise ConfigError(f"cannot read {paths.config_file}: Is a directory")
    sections = sections or {}
    namespace: dict[str, Any] = {
        "__annotations__": dict(sections),
        "model_config": SettingsConfigDict(toml_file=paths.config_file),
        **{name: Field(default_factory=model) for name, model in sections.items()},
    }
    settings_cls = type("Settings", (Settings,), namespace)
    try:
        with _reading(paths.config_file):
            settings = settings_cls(**dict(overrides or {}))
    except ValidationError as error:
        raise ConfigError(_describe(error, paths)) from None
    except SettingsError as error:  # a variable for a list or a table that is not JSON
        raise ConfigError(_not_json(settings_cls) or f"{error}: {error.__cause__}") from None
    return Config(settings, paths)


def _not_json(model: type[BaseModel]) -> str | None:
    """What is wrong with the first ``SPOTIFY_MCP_*`` variable that sets a list or a table
    (which pydantic-settings reads as JSON) to something that is not JSON; None if none does."""
    for name, value in os.environ.items():
        if not name.startswith(ENV_PREFIX) or name in _PATH_VARIABLES:
            continue
        kind = _container(model, name.removeprefix(ENV_PREFIX).lower().split("__"))
        if kind is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            example = '["a", "b"]' if kind == "list" else '{"a": 1}'
            return f"{name} must be a JSON {kind}, e.g. {name}='{example}'"
    return None


def _container(model: Any, keys: list[str]) -> str | None:
    """``"list"`` or ``"object"`` (a table) if the setting at ``keys`` is one, else None."""
    for key in keys:
        field = model.model_fields.get(key) if _is_model(model) else None
        if field is None:
            return None
        model = field.annotation
    origin = get_origin(model) or model
    if _is_model(model) or origin is dict:
        return "object"
    return "list" if origin in (list, set, tuple) else None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """The config file's read errors as ConfigErrors that name it."""
    try:
        yield
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path} is not UTF-8 text: {error}") from None
    except OSError as error:  # a directory, unreadable
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None


def _describe(error: ValidationError, paths: Paths) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
    )
    return (
        f"invalid configuration ({problems}). Sources: {paths.config_file}, "
        f"{ENV_PREFIX}* environment variables, command-line options."
    )


def parse_override(item: str) -> dict[str, Any]:
    """``"cache.ttl_s=60"`` -> ``{"cache": {"ttl_s": 60}}``; values are TOML, else strings."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"expected KEY=VALUE, got {item!r}")
    try:
        value: Any = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    result: dict[str, Any] = {}
    node = result
    *parents, leaf = key.strip().split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return result


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` into a copy of ``base``."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with _reading(path), path.open("rb") as fh:
        return tomllib.load(fh)


def write_file(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as TOML, atomically, readable by the owner only (it may hold a client
    secret)."""
    import tomlkit

    _replace(path, tomlkit.dumps(dict(data)))


def edit_file(path: Path, edit: Callable[[MutableMapping[str, Any]], None]) -> None:
    """Apply ``edit`` to the TOML file at ``path`` (empty if absent) and write it back like
    :func:`write_file`, keeping the user's comments and layout."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    with _reading(path):
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as error:  # not only ParseError: a table defined twice, too
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    edit(document)
    _replace(path, tomlkit.dumps(document))


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
