"""Listings: a property's asking price and terms, and the public read model of active ones."""
