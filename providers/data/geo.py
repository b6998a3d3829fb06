"""Moved to `providers.geo`; this name stays for importers not yet switched over."""

from providers.geo import EARTH_RADIUS_KM, destination, haversine_km

__all__ = ["EARTH_RADIUS_KM", "destination", "haversine_km"]
