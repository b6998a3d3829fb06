"""Background tasks as users see them (the tasks API, the dead-letter queue) and as the worker
runs them (claim, retry with back-off, dead-letter), plus beat's housekeeping."""
