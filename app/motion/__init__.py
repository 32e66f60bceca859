"""Motion: pose sequences from reference videos (pure library; relative imports only)."""
