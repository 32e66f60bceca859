"""The comic script model: THE shared contract between the script parser, the writers' room (LLM),
the book builder, the layout engine and the renderer.

A `Book` holds front matter (title, reading direction, page size, DPI, style, cast) and pages; a
`Page` holds panels; a `Panel` holds what to draw (description, shot, characters and where they stand)
and what to letter (`dialogue`: balloons, captions and sound effects in reading order).

Positions are fractions of the panel (x from the left, y from the top, 0..1). Vocabularies come from
`choices.py`. The model validates itself: unknown page sizes, duplicate page or panel numbers, empty
text and out-of-range positions are rejected with one sentence naming the field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .choices import BalloonKind, Emphasis, ReadingDirection, Shot


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Point(_Model):
    """A position inside a panel as fractions of its width (x) and height (y)."""

    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)


class Box(_Model):
    """A box inside a panel as fractions (left, top, right, bottom), e.g. a detected face."""

    left: float = Field(ge=0.0, le=1.0)
    top: float = Field(ge=0.0, le=1.0)
    right: float = Field(ge=0.0, le=1.0)
    bottom: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Box:
        if self.right <= self.left or self.bottom <= self.top:
            raise ValueError("a box needs right > left and bottom > top")
        return self

    @property
    def center(self) -> Point:
        return Point(x=(self.left + self.right) / 2, y=(self.top + self.bottom) / 2)


class CastMember(_Model):
    """A recurring character. `reference` is a library character id or an image path for likeness."""

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    reference: str | None = None
    aliases: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a cast member needs a name")
        return value


class Balloon(_Model):
    """One piece of lettering: a speech balloon, a caption box or a sound effect.

    `speaker` names a cast member for speech kinds (None for captions and SFX). `off_panel` means the
    speaker is not in the panel: the tail points to the panel edge. `position` pins the balloon's
    centre; otherwise the letterer places it.
    """

    kind: BalloonKind = "speech"
    speaker: str | None = None
    text: str = Field(min_length=1, max_length=2000)
    off_panel: bool = False
    position: Point | None = None
    break_border: bool = False  # the balloon may break the panel's border (a deliberate effect)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("balloon text is empty")
        return value.strip()

    @field_validator("speaker")
    @classmethod
    def _speaker_clean(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        return value or None


class Panel(_Model):
    """One panel. `dialogue` lists every balloon, caption and SFX in reading order."""

    number: int = Field(ge=1)
    description: str = ""
    shot: Shot | None = None
    camera: str = ""  # free camera notes beyond the shot ("low angle, dutch tilt")
    characters: list[str] = Field(default_factory=list)
    character_positions: dict[str, Point] = Field(default_factory=dict)
    faces: dict[str, Box] = Field(default_factory=dict)  # detected face boxes by character name
    emphasis: Emphasis = "normal"
    focus: Point | None = None  # the point the cover-crop keeps in view
    image: str | None = None  # a path to this panel's art, when known
    dialogue: list[Balloon] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _merge_shorthands(cls, data: Any) -> Any:
        """YAML/JSON may give `captions: [text]` and `sfx: [text]`; they join `dialogue`
        (captions first, SFX last)."""
        if not isinstance(data, dict) or ("captions" not in data and "sfx" not in data):
            return data
        data = dict(data)
        captions = data.pop("captions", None) or []
        sfx = data.pop("sfx", None) or []
        if not isinstance(captions, list) or not isinstance(sfx, list):
            raise ValueError("captions and sfx must be lists of text")
        dialogue = list(data.get("dialogue") or [])
        data["dialogue"] = (
            [c if isinstance(c, dict) else {"kind": "caption", "text": c} for c in captions]
            + dialogue
            + [s if isinstance(s, dict) else {"kind": "sfx", "text": s} for s in sfx]
        )
        return data

    @property
    def captions(self) -> list[Balloon]:
        return [b for b in self.dialogue if b.kind == "caption"]

    @property
    def sfx(self) -> list[Balloon]:
        return [b for b in self.dialogue if b.kind == "sfx"]

    @property
    def balloons(self) -> list[Balloon]:
        """Spoken and thought balloons (not captions, not SFX)."""
        return [b for b in self.dialogue if b.kind not in ("caption", "sfx")]


class Page(_Model):
    """One page. `layout` names a template from `data/templates.yaml`; None picks one automatically."""

    number: int = Field(ge=1)
    layout: str | None = None
    panels: list[Panel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_panels(self) -> Page:
        seen: set[int] = set()
        for panel in self.panels:
            if panel.number in seen:
                raise ValueError(f"page {self.number} has panel {panel.number} twice")
            seen.add(panel.number)
        return self


class Book(_Model):
    """A whole comic: front matter and pages."""

    title: str = Field(min_length=1, max_length=200)
    series: str | None = None
    issue: int | None = Field(default=None, ge=0)
    writer: str | None = None
    language: str = "en"  # ISO 639-1: hyphenation and ComicInfo LanguageISO
    reading_direction: ReadingDirection = "ltr"
    page_size: str = "us-comic"
    dpi: int = Field(default=300, ge=36, le=1200)
    style: str = ""
    cast: list[CastMember] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)

    @field_validator("page_size")
    @classmethod
    def _known_page_size(cls, value: str) -> str:
        from .pages import page_size_names

        names = page_size_names()
        value = value.strip().lower()
        if value not in names:
            raise ValueError(f"unknown page size {value!r}; choose one of: {', '.join(names)}")
        return value

    @model_validator(mode="after")
    def _unique_pages(self) -> Book:
        seen: set[int] = set()
        for page in self.pages:
            if page.number in seen:
                raise ValueError(f"page {page.number} appears twice")
            seen.add(page.number)
        names: set[str] = set()
        for member in self.cast:
            if member.name.casefold() in names:
                raise ValueError(f"cast member {member.name!r} appears twice")
            names.add(member.name.casefold())
        self._canonicalise_names()
        return self

    def _canonicalise_names(self) -> None:
        """Speakers, characters, positions and faces that name a cast member (any case, or an alias)
        are stored under the member's own name, so every producer of a Book agrees."""
        if not self.cast:
            return
        lookup: dict[str, str] = {}
        for member in self.cast:
            lookup[member.name.casefold()] = member.name
            for alias in member.aliases:
                lookup.setdefault(alias.casefold(), member.name)

        def canon(name: str) -> str:
            return lookup.get(name.casefold(), name)

        for page in self.pages:
            for panel in page.panels:
                panel.__dict__["characters"] = list(dict.fromkeys(canon(n) for n in panel.characters))
                panel.__dict__["character_positions"] = {canon(k): v for k, v in panel.character_positions.items()}
                panel.__dict__["faces"] = {canon(k): v for k, v in panel.faces.items()}
                for balloon in panel.dialogue:
                    if balloon.speaker:
                        balloon.__dict__["speaker"] = canon(balloon.speaker)

    def cast_member(self, name: str) -> CastMember | None:
        """The cast member called `name` (case-insensitive, aliases included)."""
        key = name.casefold()
        for member in self.cast:
            if member.name.casefold() == key or key in (a.casefold() for a in member.aliases):
                return member
        return None

    def panel_count(self) -> int:
        return sum(len(page.panels) for page in self.pages)
