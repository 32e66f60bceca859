"""Errors of the script parser: each issue carries a line, a column and a hint."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InkframeError


@dataclass(frozen=True)
class ScriptIssue:
    """One problem in a script. `line` and `column` count from 1 (column 0 when not known)."""

    line: int
    column: int
    message: str
    hint: str = ""

    def describe(self, source: str = "script") -> str:
        where = (
            (f"{source} line {self.line}" + (f", column {self.column}" if self.column else ""))
            if self.line > 0
            else source
        )
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ScriptError(InkframeError):
    """A comic script that cannot be read. `issues` lists every problem found, in order."""

    def __init__(self, issues: list[ScriptIssue], source: str = "script") -> None:
        self.issues = list(issues)
        self.source = source
        first = self.issues[0].describe(source) if self.issues else f"{source}: unreadable script"
        more = len(self.issues) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        super().__init__(first.rstrip(".") + "." + suffix if not suffix else first.rstrip(".") + suffix + ".")

    @property
    def line(self) -> int:
        return self.issues[0].line if self.issues else 0

    @property
    def column(self) -> int:
        return self.issues[0].column if self.issues else 0

    @property
    def hint(self) -> str:
        return self.issues[0].hint if self.issues else ""
