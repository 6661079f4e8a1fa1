"""report (being built)."""
