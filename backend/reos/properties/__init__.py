"""Properties: intake, dedupe, valuation and history."""
