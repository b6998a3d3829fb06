"""Leads and the CRM around them: activities, notes, timeline and explainable scores."""
