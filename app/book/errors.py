"""The book builder's error: one sentence naming what to fix."""

from __future__ import annotations

from ..errors import InkframeError


class BookError(InkframeError):
    """A library entry, style, script panel or build state the book builder cannot use."""
