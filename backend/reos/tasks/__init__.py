"""The tasks API: task runs and dead letters as an organization sees and manages them."""
