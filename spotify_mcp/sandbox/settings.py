"""The sandbox's live settings (no web-stack imports: `Sandbox()` itself stays cheap)."""

from __future__ import annotations

from dataclasses import dataclass

from .seed import PREMIUM_USER

SETTING_RULES: dict[str, tuple[int, bool]] = {  # name -> (minimum, may be null)
    "latency_ms": (0, False),
    "rate_limit": (1, True),
    "token_ttl_s": (0, False),
}


@dataclass(slots=True)
class Settings:
    """What can change while the sandbox runs (`PATCH /_sandbox/config`)."""

    latency_ms: int = 0  # added to every /v1 request
    rate_limit: int | None = None  # requests per rolling 30 s; None = unlimited
    token_ttl_s: int = 3600  # lifetime of OAuth-issued access tokens
    login_user: str = PREMIUM_USER  # who /authorize logs in when no `user` is given
