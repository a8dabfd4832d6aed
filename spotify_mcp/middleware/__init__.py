"""Middleware plugins: each module returns one middleware for the request pipeline."""
