"""The root of every error that reaches the user as one sentence."""

from __future__ import annotations


class InkframeError(Exception):
    """An error whose message is one clear sentence naming what to fix.

    `exit_code` is what the CLI exits with when this error ends a command.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self)
