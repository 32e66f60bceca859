"""What the writers' room asks the model: the JSON shapes (built per book, so characters and
locations are enums drawn from the bible and JSON-schema-constrained servers cannot invent them)
and the prompt texts. Lengths and counts in the schemas bound what a reply can cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..comic.choices import SHOTS
from .checks import DialogueBudget

DraftKind = Literal["speech", "thought", "whisper", "shout", "caption"]
WORD_CHARS = 7  # average characters per word (with the space) for turning word budgets into maxLength


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class PageShape:
    """The panel and lettering budget of one drafted page."""

    min_panels: int = 3
    max_panels: int = 5
    budget: DialogueBudget = field(default_factory=DialogueBudget)
    description_chars: int = 240
    summary_chars: int = 200

    def reply_tokens(self) -> int:
        """A max_tokens large enough for a full page of this shape (JSON keys included)."""
        # Keys, quotes and the indentation small models put between them cost ~70 tokens a panel.
        per_balloon = int(self.budget.words_per_balloon * WORD_CHARS / 3) + 30
        per_panel = int(self.description_chars / 3) + 70 + self.budget.balloons_per_panel * per_balloon
        return int(self.summary_chars / 3) + 50 + self.max_panels * per_panel


def _choice(values: list[str], max_length: int) -> Any:
    if values:
        return Literal[tuple(values)]  # type: ignore[valid-type]
    return str  # no bible entries yet: free text, still bounded below


def page_model(characters: list[str], locations: list[str], shape: PageShape) -> type[BaseModel]:
    """The JSON shape of one drafted page for this bible and budget."""
    Name = _choice(characters, 40)
    Place = _choice(locations, 60)
    name_field = Field(max_length=40) if not characters else Field()
    place_field = Field(max_length=60) if not locations else Field()
    balloon = create_model(
        "DraftBalloon",
        __base__=_Strict,
        kind=(DraftKind, ...),
        speaker=(Name, name_field),
        text=(str, Field(min_length=1, max_length=shape.budget.words_per_balloon * WORD_CHARS)),
    )
    panel = create_model(
        "DraftPanel",
        __base__=_Strict,
        location=(Place, place_field),
        shot=(Literal[SHOTS], ...),  # type: ignore[valid-type,arg-type]
        description=(str, Field(min_length=1, max_length=shape.description_chars)),
        characters=(list[Name], Field(max_length=4)),  # type: ignore[valid-type]
        dialogue=(list[balloon], Field(max_length=shape.budget.balloons_per_panel)),  # type: ignore[valid-type]
    )
    return create_model(
        "DraftPage",
        __base__=_Strict,
        summary=(str, Field(min_length=1, max_length=shape.summary_chars)),
        panels=(list[panel], Field(min_length=shape.min_panels, max_length=shape.max_panels)),  # type: ignore[valid-type]
    )


class CastCharacter(_Strict):
    name: str = Field(min_length=1, max_length=40)
    description: str = Field(max_length=160)
    outfit: str = Field(max_length=80)


class CastLocation(_Strict):
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(max_length=160)


class CastPlan(_Strict):
    title: str = Field(min_length=1, max_length=80)
    characters: list[CastCharacter] = Field(max_length=6)
    locations: list[CastLocation] = Field(max_length=5)


def summary_model(max_chars: int) -> type[BaseModel]:
    return create_model("ChunkSummary", __base__=_Strict, summary=(str, Field(min_length=1, max_length=max_chars)))


WRITER_SYSTEM = (
    "You are a comic book writer. You turn a story excerpt into one comic page, as JSON. "
    "Rules: {min_panels} to {max_panels} panels; vary the shots (a wide shot to establish a new place, then "
    "medium and close-up shots); at most {balloons} balloons per panel and at most {words} words per balloon; "
    "use only the characters and locations listed in the bible; every speaker is in the panel's characters; "
    "each description says in one or two sentences what to draw; the summary says what happens on the page."
)

PAGE_USER = (
    "Bible:\n{bible}\n\n"
    "Story so far: {previous}\n\n"
    "Page {number} of {pages}. Story excerpt for this page:\n{excerpt}\n\n"
    "Write page {number} as JSON."
)

REVISE_USER = (
    "The draft of page {number} has these problems:\n{problems}\n\n"
    "Draft:\n{draft}\n\nWrite page {number} again as JSON, fixing every problem."
)

CAST_SYSTEM = (
    "You read a story and list its named characters (name, a short visual description, what they wear) "
    "and its locations (name, a short visual description), and give the story a title. Answer as JSON."
)

SUMMARY_SYSTEM = (
    "You summarise part of a story in at most {chars} characters, keeping names, places and events in order. "
    "Answer as JSON."
)
