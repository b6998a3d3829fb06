"""Outreach: messages to leads and what the providers report back."""
