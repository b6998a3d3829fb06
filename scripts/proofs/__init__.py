"""Proofs: each checks one property of the running platform and writes its evidence file."""
