"""Contract and adapter tests for the providers package."""
