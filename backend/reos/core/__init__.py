"""Cross-cutting machinery every feature stands on; it imports no feature."""
