"""Tool-group plugins: each module registers one group of MCP tools."""
