"""The webhook port and its adapters; the app imports the port, the factory the adapters."""
