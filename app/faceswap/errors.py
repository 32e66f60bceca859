"""Errors of the face-swap library; each message is one sentence naming what to fix."""

from __future__ import annotations

from ..errors import InkframeError


class FaceSwapError(InkframeError):
    """A face-swap request that cannot be carried out as asked."""


class ModelFileError(FaceSwapError):
    """A model file that is missing, corrupt or does not match the manifest."""


class ConsentRequired(FaceSwapError):
    """The user has not confirmed consent of the people whose faces are used."""


class NoFaceFound(FaceSwapError):
    """No usable face in a source or target."""


class ContentBlocked(FaceSwapError):
    """The NSFW gate blocked a result."""
