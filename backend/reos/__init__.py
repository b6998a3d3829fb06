"""Real Estate OS: the API, worker and domain packages."""
