"""Members of an organization: listing, adding, updating and removing them."""
