"""Tests of the one CSV import pipeline (reos.imports) and the CSV export helper."""
