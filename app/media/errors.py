"""The one error type of the media library."""

from __future__ import annotations

from ..errors import InkframeError


class MediaError(InkframeError):
    """A video or audio file that cannot be read or written; the message names the file and the fix."""
