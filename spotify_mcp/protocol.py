"""What a client is told when its request's params break the MCP schema, or come before
``initialize``.

The SDK answers both with a bare "Invalid request parameters", so a client's developer
cannot tell what is wrong. This middleware names the fields and what is wrong with each,
without echoing the values sent (they can be large, or private), or says to initialize first.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import ValidationError

from spotify_mcp.errors import clipped, listed

_SDK_ANSWER = "Invalid request parameters"  # also the SDK's refusal before initialize


async def explain_invalid_params(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Turn the SDK's bare INVALID_PARAMS into one that says what is wrong."""
    try:
        return await call_next(ctx)
    except MCPError as error:
        # The only such refusal of a session that has not initialized is the SDK's gate.
        if error.error.message != _SDK_ANSWER or ctx.session.client_params is not None:
            raise
        raise MCPError(
            INVALID_PARAMS,
            f"{ctx.method} before initialize: send initialize (then "
            "notifications/initialized) first",
        ) from None
    except ValidationError as error:
        problems = error.errors(include_input=False, include_url=False)
        # Only the schema check sees the whole request ("params" first); a validation error
        # from anywhere else is not the client's params and keeps the SDK's answer.
        if not all(problem["loc"][:1] == ("params",) for problem in problems):
            raise
        said = listed(
            [f"{clipped('.'.join(map(str, p['loc'])))}: {p['msg']}" for p in problems], "; ", 3
        )
        raise MCPError(INVALID_PARAMS, f"Invalid params for {ctx.method}: {said}") from None
