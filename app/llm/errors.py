"""Errors of the LLM client: one hierarchy, each message one sentence for the user.

`LLMUnavailable` means no model can be reached (none configured, refused, timed out after retries);
callers catch it to keep every other feature working. `LLMReplyError` means the model answered but
the reply could not be turned into the requested structure, even after repair and a re-ask.
"""

from __future__ import annotations

from ..errors import InkframeError


class LLMError(InkframeError):
    """Anything that went wrong talking to the language model."""


class LLMUnavailable(LLMError):
    """No endpoint is configured, or it cannot be reached in time."""


class LLMStatusError(LLMError):
    """The endpoint answered with an HTTP error status that retrying will not fix."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class LLMReplyError(LLMError):
    """The model's reply is not valid JSON for the requested schema, even after repair.

    `raw` keeps the last reply text so that callers can report it.
    """

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw
