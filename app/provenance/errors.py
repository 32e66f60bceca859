"""Errors of Content Credentials signing, each one sentence naming what to fix."""

from __future__ import annotations

from ..errors import InkframeError


class ProvenanceError(InkframeError):
    """An output could not be given its Content Credentials."""


class SigningIdentityError(ProvenanceError):
    """The configured (or local) certificate / key cannot sign."""
