"""Pure ASGI middleware and HTTP helpers shared by every route."""
