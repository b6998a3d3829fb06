"""The domain event log: every state change is recorded as an event in the change's own
transaction, and what must follow a change (audit, history, cache retirement) subscribes to it.
See docs/EVENTS.md for the catalog."""

from reos.events.recorder import Recorded, committed, pending, record

__all__ = ["Recorded", "committed", "pending", "record"]
