"""The book bible: who is in the story, where it happens, how it looks, and what was written so far.

The bible is the writers' room's memory between steps. It is a plain JSON or YAML file the user can
edit (`load_bible` / `save_bible`); `entries()` flattens it into small texts that the retrieval index
embeds, so each drafting step can pull the characters, places and earlier pages relevant to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InkframeError

EntryKind = Literal["character", "location", "style", "page"]


class BibleError(InkframeError):
    """A bible file that cannot be read or does not validate."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Character(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    outfit: str = ""  # what the character wears unless a page says otherwise
    aliases: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class Location(_Model):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class PageSummary(_Model):
    number: int = Field(ge=1)
    summary: str


@dataclass(frozen=True)
class BibleEntry:
    """One retrievable piece of the bible; `key` is stable across edits (kind:name)."""

    key: str
    kind: EntryKind
    name: str
    text: str


class Bible(_Model):
    title: str = ""
    style: str = ""
    characters: list[Character] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    pages: list[PageSummary] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Bible:
        for label, names in (
            ("character", [n for c in self.characters for n in c.names()]),
            ("location", [x.name for x in self.locations]),
        ):
            seen: set[str] = set()
            for name in names:
                if name.casefold() in seen:
                    raise ValueError(f"{label} {name!r} appears twice")
                seen.add(name.casefold())
        return self

    def character(self, name: str) -> Character | None:
        """The character called `name` (case-insensitive, aliases included)."""
        key = name.strip().casefold()
        return next((c for c in self.characters if key in (n.casefold() for n in c.names())), None)

    def location(self, name: str) -> Location | None:
        key = name.strip().casefold()
        return next((x for x in self.locations if x.name.casefold() == key), None)

    def record_page(self, number: int, summary: str) -> None:
        """Remember what page `number` holds (replacing an earlier summary of it)."""
        kept = [p for p in self.pages if p.number != number]
        self.pages = sorted([*kept, PageSummary(number=number, summary=summary)], key=lambda p: p.number)

    def entries(self) -> list[BibleEntry]:
        items: list[BibleEntry] = []
        for c in self.characters:
            aka = f" (also {', '.join(c.aliases)})" if c.aliases else ""
            outfit = f" Wears: {c.outfit.rstrip('.')}." if c.outfit else ""
            items.append(
                BibleEntry(
                    f"character:{c.name}",
                    "character",
                    c.name,
                    f"{c.name}{aka}: {_sentence(c.description)}{outfit}".strip(),
                )
            )
        for x in self.locations:
            items.append(BibleEntry(f"location:{x.name}", "location", x.name, f"{x.name}: {x.description}".strip()))
        if self.style:
            items.append(BibleEntry("style:book", "style", "style", f"Art style: {self.style}"))
        for p in self.pages:
            items.append(BibleEntry(f"page:{p.number}", "page", f"page {p.number}", f"Page {p.number}: {p.summary}"))
        return items


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def load_bible(path: Path) -> Bible:
    """Read a bible from JSON or YAML; raise BibleError naming the file and the bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BibleError(f"cannot read the bible {path}: {exc.strerror or exc}.") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise BibleError(
            f"the bible {path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}; fix its syntax."
        ) from exc
    try:
        return Bible.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise BibleError(
            f"the bible {path} is invalid at {where}: {first['msg'].removeprefix('Value error, ')}."
        ) from exc


def save_bible(bible: Bible, path: Path) -> Path:
    """Write the bible as JSON (or YAML when the suffix says so)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bible.model_dump(mode="json")
    if path.suffix.lower() in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
