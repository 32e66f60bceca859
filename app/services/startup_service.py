"""Process-wide settings the entry points apply once at start-up, before any work (the CLI per command, the web
server when it starts): the cap on decoded picture sizes (security.max_image_pixels)."""

from __future__ import annotations

from ..image_limits import apply_pixel_limit

__all__ = ["apply_pixel_limit"]
