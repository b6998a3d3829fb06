"""Ports and adapters for everything that leaves the process; imports nothing from `reos`."""
