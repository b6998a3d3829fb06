"""Credentials: password hashing, signed tokens and the role → permission map."""
