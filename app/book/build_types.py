"""The book build's types: BuildOptions in, BuildEvent (one BuildEventKind each) as it goes, BuildResult out;
BookContext is the loaded script, style, library entries and layouts a build works from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..comic.layout import PageLayout
from ..comic.model import Book
from .library import Character, Location
from .pages import LetteringProblem
from .plan import PanelRef
from .state import PanelRecord
from .styles import StylePreset

DEFAULT_FORMATS = ("png", "pdf", "cbz")
REGENERATE_SEED_STEP = 101  # a regenerate without --seed moves this many attempt steps away


@dataclass(frozen=True)
class BuildOptions:
    script: Path
    out_dir: Path
    library_dir: Path | None = None
    resume: bool = False
    regenerate: PanelRef | None = None
    seed: int | None = None  # with regenerate
    prompt: str | None = None  # with regenerate: the new action text
    max_side: int | None = None
    steps: int | None = None
    cfg: float | None = None
    checkpoint: str | None = None
    family: str | None = None  # model family of panels and backgrounds (overrides the style's; None: style / backend)
    grade: str | None = None  # overrides the style's grade ("" = none)
    formats: tuple[str, ...] = DEFAULT_FORMATS


class BuildEventKind(StrEnum):
    PLATE = "plate"  # a location plate was drawn
    PANEL = "panel"  # a panel passed (or ran out of) its gates
    REUSED = "reused"  # a finished panel was kept (resume, or a regenerate of another panel)
    FAILED = "failed"  # a panel's prompt failed on the backend; the build goes on
    PAGE = "page"  # a page was composed as soon as its panels were done (parallel builds)
    EXPORT = "export"  # the formats were written
    REPORT = "report"  # the report was written: the last event


@dataclass(frozen=True)
class BuildEvent:
    kind: BuildEventKind
    message: str
    ref: PanelRef | None = None


def _reused(ref: PanelRef, record: PanelRecord) -> BuildEvent:
    return BuildEvent(BuildEventKind.REUSED, f"{ref}: reused (seed {record.seed})", ref)


@dataclass
class BuildResult:
    out_dir: Path
    records: list[PanelRecord]
    generated: list[PanelRef]
    reused: list[PanelRef]
    outputs: dict[str, list[str]]
    report: Path
    figures: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[PanelRef]:
        return [PanelRef(r.page, r.panel) for r in self.records if r.status == "failed"]

    @property
    def lettering_errors(self) -> list[str]:
        """Lettering that could not be set (text that does not fit its panel), as `comic compose` reports it."""
        return [w for w in self.warnings if isinstance(w, LetteringProblem)]


@dataclass
class BookContext:
    book: Book
    style: StylePreset
    characters: dict[str, Character | None]
    locations: list[Location]
    location_of: dict[PanelRef, Location | None]
    layouts: list[PageLayout]


def _family(options: BuildOptions, style: StylePreset, workflow: str) -> str | None:
    """The model family a request names (panels, backgrounds and img2img restyles alike): the build's, else the
    style's."""
    return options.family or style.family
