"""The one error type of the workflows layer."""

from __future__ import annotations

from ..errors import InkframeError


class WorkflowError(InkframeError):
    """A workflow file, prompt or parameter assignment the app cannot use; the message says what to fix."""
