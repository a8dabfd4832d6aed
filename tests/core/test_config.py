"""Settings: defaults < config file < environment < command line."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel
from stdio_server import run_cli

from spotify_mcp.config import (
    ConfigError,
    Paths,
    edit_file,
    load_config,
    parse_override,
    read_file,
    write_file,
)


class Section(BaseModel):
    ttl_s: int = 1
    name: str = "default"


def test_each_source_overrides_the_one_before(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Paths.discover()
    write_file(paths.config_file, {"log_level": "DEBUG", "demo": {"ttl_s": 2, "name": "file"}})
    config = load_config(paths, sections={"demo": Section})
    assert config.settings.log_level == "DEBUG"
    assert config.section("demo", Section) == Section(ttl_s=2, name="file")

    monkeypatch.setenv("SPOTIFY_MCP_DEMO__TTL_S", "3")
    monkeypatch.setenv("SPOTIFY_MCP_LOG_LEVEL", "WARNING")
    config = load_config(paths, sections={"demo": Section})
    assert config.section("demo", Section) == Section(ttl_s=3, name="file")
    assert config.settings.log_level == "WARNING"

    config = load_config(paths, {"demo": {"ttl_s": 4}, "log_level": "ERROR"}, {"demo": Section})
    assert config.section("demo", Section) == Section(ttl_s=4, name="file")
    assert config.settings.log_level == "ERROR"


def test_spotify_variables_point_the_session_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTIFY_API_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SPOTIFY_ACCOUNTS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SPOTIFY_ACCESS_TOKEN", "a-token-value")
    settings = load_config(Paths.discover()).settings
    assert settings.api_base_url == "http://127.0.0.1:9/v1"
    assert settings.accounts_base_url == "http://127.0.0.1:9"
    assert settings.access_token is not None
    assert settings.access_token.get_secret_value() == "a-token-value"
    assert "a-token-value" not in repr(settings)


def test_spotify_mcp_home_relocates_everything(isolated_home: Path) -> None:
    paths = Paths.discover()
    assert paths.config_file == isolated_home / "config.toml"
    assert paths.data_dir.parent == isolated_home
    assert paths.cache_dir.parent == isolated_home


def test_invalid_values_name_the_key_and_the_sources() -> None:
    with pytest.raises(ConfigError, match=r"demo\.ttl_s"):
        load_config(Paths.discover(), {"demo": {"ttl_s": "soon"}}, {"demo": Section})


def test_invalid_toml_is_reported_with_the_file() -> None:
    paths = Paths.discover()
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text("log_level = [unclosed")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(paths)


@pytest.mark.parametrize(
    ("variable", "value", "kind"),
    [
        ("SPOTIFY_MCP_PLUGINS__DISABLED", "metrics", "list"),
        ("SPOTIFY_MCP_CACHE__WARM", "/me", "list"),  # a plugin's section
        ("SPOTIFY_MCP_PIPELINE__ORDER", "x", "object"),
    ],
)
def test_a_list_or_table_variable_that_is_not_json_is_a_clean_error(
    variable: str, value: str, kind: str
) -> None:
    helped = run_cli("--help", env={variable: value})
    assert helped.returncode == 0 and "serve" in helped.stdout, helped.stderr
    shown = run_cli("config", "show", env={variable: value})
    assert shown.returncode == 1
    assert f"{variable} must be a JSON {kind}, e.g. {variable}='" in shown.stderr
    assert "Traceback" not in helped.stderr + shown.stderr


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda path: path.mkdir(parents=True), id="a directory"),
        pytest.param(lambda path: path.write_bytes(b'market = "\xff"\n'), id="not UTF-8"),
    ],
)
def test_a_config_file_that_cannot_be_read_is_a_clean_error(
    tmp_path: Path, make: Callable[[Path], object]
) -> None:
    path = tmp_path / "config.toml"
    make(path)
    for read in (lambda: load_config(Paths.discover(path)), lambda: read_file(path)):
        with pytest.raises(ConfigError, match=str(path)):
            read()
    with pytest.raises(ConfigError, match=str(path)):
        edit_file(path, lambda document: None)


def test_a_table_defined_twice_is_invalid_toml_for_edits_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[a]\nb = 1\n[a.b]\n")  # tomlkit's KeyAlreadyPresent is no ParseError
    with pytest.raises(ConfigError, match=f"{path} is not valid TOML"):
        edit_file(path, lambda document: None)


def test_overrides_parse_as_toml_values() -> None:
    assert parse_override("cache.ttl_s=60") == {"cache": {"ttl_s": 60}}
    assert parse_override("metrics.enabled=false") == {"metrics": {"enabled": False}}
    assert parse_override("market=DE") == {"market": "DE"}
    with pytest.raises(ConfigError):
        parse_override("no-equals-sign")


def test_config_file_is_written_owner_only(isolated_home: Path) -> None:
    paths = Paths.discover()
    write_file(paths.config_file, {"client_secret": "s3cret"})
    assert (paths.config_file.stat().st_mode & 0o777) == 0o600


def test_cli_set_and_config_show_mask_secrets(isolated_home: Path) -> None:
    env = {"SPOTIFY_CLIENT_SECRET": "very-secret-value"}
    shown = run_cli("--set", "market=SE", "config", "show", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["market"] == "SE"
    assert "very-secret-value" not in shown.stdout
    path = run_cli("config", "path", "--json")
    assert json.loads(path.stdout)["config_file"] == str(isolated_home / "config.toml")
    assert os.environ["SPOTIFY_MCP_HOME"] == str(isolated_home)


def test_unknown_settings_and_plugin_names_are_warned_about(isolated_home: Path) -> None:
    settings = {"log_levl": "DEBUG", "limiter": {"brust": 5}, "plugins": {"disabled": ["nope"]}}
    write_file(Paths.discover().config_file, settings)
    listed = run_cli("tools", "list", env={"SPOTIFY_MCP_CACHE__TTL": "5"})
    assert listed.returncode == 0, listed.stderr
    assert "no setting 'log_levl'; did you mean 'log_level'?" in listed.stderr
    assert "no setting 'limiter.brust'; did you mean 'limiter.burst'?" in listed.stderr
    assert "SPOTIFY_MCP_CACHE__TTL: no setting 'cache.ttl'; did you mean 'cache.ttl_s'?" in (
        listed.stderr
    )
    assert "plugins.disabled: no plugin 'nope' is installed" in listed.stderr


def test_the_config_file_s_log_format_applies_to_its_own_warnings(isolated_home: Path) -> None:
    # A log shipper reading JSON lines would choke on the one warning it most needs.
    write_file(Paths.discover().config_file, {"log_format": "json", "limiter": {"brust": 5}})
    listed = run_cli("tools", "list")
    assert listed.returncode == 0, listed.stderr
    lines = [json.loads(line) for line in listed.stderr.splitlines()]
    assert any("no setting 'limiter.brust'" in line["message"] for line in lines)


def test_the_section_of_a_disabled_plugin_is_no_typo(isolated_home: Path) -> None:
    config_file = Paths.discover().config_file
    write_file(config_file, {"cache": {"someday": 1}, "plugins": {"disabled": ["cache"]}})
    assert "no setting" not in run_cli("tools", "list").stderr
    write_file(config_file, {"cache": {"someday": 1}})
    assert "no setting 'cache.someday'" in run_cli("tools", "list").stderr


def test_typos_in_set_and_in_the_order_and_a_missing_file_are_warned_about(
    tmp_path: Path,
) -> None:
    listed = run_cli(
        "--set", "limiter.brust=3", "--set", "pipeline.order.retyr=250", "plugins", "list"
    )
    assert listed.returncode == 0, listed.stderr
    assert "--set: no setting 'limiter.brust'; did you mean 'limiter.burst'?" in listed.stderr
    assert "[pipeline.order] names 'retyr', which is no middleware" in listed.stderr
    missing = run_cli("--config", str(tmp_path / "nope.toml"), "config", "path")
    assert missing.returncode == 0 and "does not exist (yet)" in missing.stderr
