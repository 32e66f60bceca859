"""story package."""
