"""The token file and the pieces of the login that need no server."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

from spotify_mcp.auth import RefreshingCredentials, StaticToken, StoredLogin, TokenFile
from spotify_mcp.auth.accounts import Accounts, TokenGrant, s256
from spotify_mcp.config import Paths, load_config
from spotify_mcp.errors import LoginRequired


def login(**changes: object) -> StoredLogin:
    stored = StoredLogin(
        access_token="secret-access",
        refresh_token="secret-refresh",
        expires_at=1.0,
        lifetime_s=3600.0,
        scopes=("user-read-private",),
        client_id="client",
        user_id="someone",
        display_name="Someone",
        authorized_at=0.0,
    )
    return dataclasses.replace(stored, **changes)


def test_the_token_file_is_private_from_its_first_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[int] = []
    real_open = os.open

    def watching_open(path: str | Path, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)
        created.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd

    monkeypatch.setattr(os, "open", watching_open)
    previous = os.umask(0)  # even a permissive umask must not widen it
    try:
        file = TokenFile(tmp_path / "data" / "token.json")
        file.save(login())
    finally:
        os.umask(previous)
    assert created == [0o600]
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    assert not file.readable_by_others()
    file.path.chmod(0o644)
    assert file.readable_by_others()


def test_a_failed_write_keeps_the_old_login_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    file = TokenFile(tmp_path / "token.json")
    file.save(login())
    with pytest.raises(TypeError):
        file.save(login(display_name=object()))  # not JSON: fails halfway through
    assert file.load() == login()
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"]
    assert file.delete() and not file.delete() and file.load() is None


def test_an_unreadable_file_asks_to_log_in_without_showing_its_content(tmp_path: Path) -> None:
    file = TokenFile(tmp_path / "token.json")
    file.path.write_text('{"access_token": "secret-access"')
    with pytest.raises(LoginRequired) as error:
        file.load()
    assert str(file.path) in str(error.value) and "secret" not in str(error.value)
    assert "spotify-mcp auth login" in str(error.value)


def test_no_repr_shows_a_secret(tmp_path: Path) -> None:
    settings = load_config(Paths.discover(), {"client_secret": "secret-client"}).settings
    file = TokenFile(tmp_path / "token.json")
    file.save(login())
    shown = [
        login(),
        TokenGrant("secret-access", 1.0, 3600.0, None, "secret-refresh"),
        Accounts("http://127.0.0.1:1", "client", "secret-client"),
        RefreshingCredentials(file, settings),
        StaticToken("secret-static"),
        settings,
    ]
    for thing in shown:
        assert "secret-" not in repr(thing), repr(thing)


def test_pkce_challenge_matches_rfc_7636() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
