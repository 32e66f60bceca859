"""The error the quality scorers raise for input they cannot score."""

from __future__ import annotations

from ..errors import InkframeError


class QualityError(InkframeError):
    """An image or embedding that cannot be scored; the message names it and what to fix."""
