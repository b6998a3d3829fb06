"""What every router shares: the request's session, the caller, permissions, idempotency."""
