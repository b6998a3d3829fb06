"""The one CSV import pipeline that every feature's import runs through."""
