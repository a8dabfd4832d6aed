"""What a client is told when its request's params break the MCP schema.

The SDK answers every such request with a bare "Invalid request parameters", so a client's
developer cannot tell which field is wrong. This middleware names the fields and what is
wrong with each, without echoing the values sent (they can be large, or private).
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import ValidationError

from spotify_mcp.errors import clipped, listed


async def explain_invalid_params(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Turn the SDK's check of a request against the MCP schema into a precise INVALID_PARAMS."""
    try:
        return await call_next(ctx)
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
