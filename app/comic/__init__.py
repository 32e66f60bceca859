"""comic package."""
