"""Search across properties, leads and campaigns: full text, filters, radius and autocomplete."""
