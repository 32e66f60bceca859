"""Prose or outline -> comic script model (`app.comic.model.Book`), one page per model call.

For each page the drafter takes that page's excerpt of the story (long stories are summarised in
context-sized chunks first), retrieves the relevant bible entries (characters and places named in
it, nearest entries, earlier pages), asks the model for a page whose JSON schema only admits the
bible's characters and locations, then shapes it deterministically (budget, speakers, shot
variety). The book is saved as the plain-text script through the comic engine's formatter, so the
user can edit it before anything is generated.

A reply that stays invalid after repair ends the draft with `DraftFailed`, which carries the pages
drafted so far; callers keep the last good script on disk.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from ..comic.model import Balloon, Book, CastMember, Page, Panel
from ..comic.script import format_script, parse_script
from ..errors import InkframeError
from ..llm import ChatClient, ChatMessage, LLMReplyError
from .bible import Bible, Character, Location
from .continuity import tag_description
from .plan import (
    CHARS_PER_TOKEN,
    PlanStats,
    estimate_tokens,
    extract_cast,
    fit_excerpt,
    split_story,
)
from .prompts import PAGE_USER, REVISE_USER, WRITER_SYSTEM, PageShape, page_model
from .retrieval import BibleIndex, retrieve_context
from .shaping import ShapedBalloon, ShapedPanel, shape_page

log = logging.getLogger(__name__)

PROMPT_OVERHEAD_TOKENS = 120


class DraftError(InkframeError):
    """A draft that cannot start (empty story, context too small)."""


@dataclass(frozen=True)
class DraftOptions:
    pages: int
    shape: PageShape = field(default_factory=PageShape)
    context_tokens: int = 4096
    retrieve_k: int = 6
    page_size: str = "us-comic"
    title: str | None = None  # used when the bible has none
    seed: int | None = None


@dataclass(frozen=True)
class CallTokens:
    prompt: int
    completion: int


@dataclass
class DraftReport:
    pages_requested: int
    pages_drafted: int = 0
    llm_calls: int = 0
    reasks: int = 0
    summarised_chunks: int = 0
    constrained: bool = False
    elapsed_s: float = 0.0
    page_calls: list[CallTokens] = field(default_factory=list)  # every page call, re-asks included
    notes: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        head = (
            f"Drafted {self.pages_drafted} of {self.pages_requested} page(s) in {self.elapsed_s:.1f} s with "
            f"{self.llm_calls} model call(s) ({self.reasks} re-ask(s), "
            f"{'schema-constrained' if self.constrained else 'prompt + repair'}"
            + (f", {self.summarised_chunks} chunk(s) summarised" if self.summarised_chunks else "")
            + ")."
        )
        return "\n".join([head, *(f"- {n}" for n in self.notes)])


@dataclass
class DraftResult:
    book: Book
    bible: Bible
    report: DraftReport

    @property
    def script_text(self) -> str:
        return format_script(self.book)


class DraftFailed(InkframeError):
    """The model's reply for a page stayed invalid; `partial` holds the pages drafted before it."""

    def __init__(self, message: str, *, partial: DraftResult | None, raw: str = "") -> None:
        super().__init__(message)
        self.partial = partial
        self.raw = raw


@dataclass
class PageDraft:
    number: int
    panels: list[ShapedPanel]
    summary: str
    raw: dict[str, Any]


def _cast_description(character: Character) -> str:
    description = character.description.strip()
    if description and description[-1] not in ".!?":
        description += "."
    outfit = character.outfit.strip().rstrip(".")
    return f"{description} Wears: {outfit}.".strip() if outfit else description


class Drafter:
    """Drafts pages against one bible; the bible and its index grow as pages are written."""

    def __init__(self, client: ChatClient, bible: Bible, index: BibleIndex, options: DraftOptions) -> None:
        self.client = client
        self.bible = bible.model_copy(deep=True)
        self.index = index
        self.options = options
        self.report = DraftReport(pages_requested=options.pages)
        self.pages: list[PageDraft] = []
        self.index.sync(self.bible.entries())

    # -- budget -----------------------------------------------------------------------------------

    def prompt_chars(self) -> int:
        """Characters of prompt a page call may use (excerpt + bible + story so far)."""
        system = WRITER_SYSTEM.format(min_panels=1, max_panels=1, balloons=1, words=1)
        tokens = (
            self.options.context_tokens
            - self.options.shape.reply_tokens()
            - estimate_tokens(system)
            - PROMPT_OVERHEAD_TOKENS
        )
        if tokens < 200:
            raise DraftError(
                f"a page of up to {self.options.shape.max_panels} panels needs more than llm.context_tokens = "
                f"{self.options.context_tokens}; raise it or lower the panel and balloon budget."
            )
        return int(tokens * CHARS_PER_TOKEN)

    # -- plan -------------------------------------------------------------------------------------

    def plan(self, story: str) -> list[str]:
        """One excerpt per page, each fitted to the context; fills an empty bible from the story."""
        if not story.strip():
            raise DraftError("the story is empty; write some prose or an outline first.")
        budget = self.prompt_chars()
        stats = PlanStats()
        started = time.perf_counter()
        try:
            if not self.bible.characters:
                self.bible = extract_cast(
                    self.client,
                    story,
                    self.bible,
                    max_chars=budget,
                    context_tokens=self.options.context_tokens,
                    stats=stats,
                    seed=self.options.seed,
                )
                self.index.sync(self.bible.entries())
            excerpts = [
                fit_excerpt(
                    self.client,
                    e,
                    budget // 2,
                    context_tokens=self.options.context_tokens,
                    stats=stats,
                    seed=self.options.seed,
                )
                for e in split_story(story, self.options.pages)
            ]
            if len(excerpts) < self.options.pages:
                stats.notes.append(
                    f"the story is too short for {self.options.pages} pages; "
                    f"drafting {len(excerpts)} (one per sentence or word)."
                )
        except LLMReplyError as exc:
            self._absorb(stats, started)
            raise DraftFailed(f"planning the draft failed: {exc}", partial=None, raw=exc.raw) from exc
        self._absorb(stats, started)
        return excerpts

    def _absorb(self, stats: PlanStats, started: float) -> None:
        self.report.llm_calls += stats.llm_calls
        self.report.summarised_chunks += stats.summarised_chunks
        self.report.notes.extend(stats.notes)
        self.report.elapsed_s += time.perf_counter() - started

    # -- write ------------------------------------------------------------------------------------

    def write_page(
        self, number: int, excerpt: str, *, problems: list[str] | None = None, previous_draft: PageDraft | None = None
    ) -> PageDraft:
        """Draft (or, with `problems`, redraft) page `number` and shape it."""
        shape = self.options.shape
        names = [c.name for c in self.bible.characters]
        places = [x.name for x in self.bible.locations]
        model = page_model(names, places, shape)
        budget = self.prompt_chars()
        earlier = [p for p in self.pages if p.number < number]
        previous = " ".join(p.summary for p in earlier[-3:]) or "(this is the first page)"
        previous = previous[-budget // 6 :]
        context = retrieve_context(
            self.index, self.bible, f"{excerpt} {previous}", k=self.options.retrieve_k
        ).as_prompt()
        context = context[: budget // 3]
        excerpt = excerpt[: max(200, budget - len(previous) - len(context))]
        system = WRITER_SYSTEM.format(
            min_panels=shape.min_panels,
            max_panels=shape.max_panels,
            balloons=shape.budget.balloons_per_panel,
            words=shape.budget.words_per_balloon,
        )
        messages = [
            ChatMessage("system", system),
            ChatMessage(
                "user",
                PAGE_USER.format(
                    bible=context, previous=previous, number=number, pages=self.options.pages, excerpt=excerpt
                ),
            ),
        ]
        if problems and previous_draft is not None:
            messages += [
                ChatMessage("assistant", json.dumps(previous_draft.raw, ensure_ascii=False)),
                ChatMessage(
                    "user",
                    REVISE_USER.format(number=number, problems="\n".join(f"- {p}" for p in problems), draft="(above)"),
                ),
            ]
        started = time.perf_counter()
        try:
            reply = self.client.structured(messages, model, max_tokens=shape.reply_tokens(), seed=self.options.seed)
        finally:
            self.report.elapsed_s += time.perf_counter() - started
        self.report.llm_calls += reply.attempts
        self.report.page_calls.extend(CallTokens(r.prompt_tokens or 0, r.completion_tokens or 0) for r in reply.replies)
        self.report.reasks += reply.attempts - 1
        self.report.constrained = reply.constrained
        raw = reply.value.model_dump(mode="json")
        panels = [
            ShapedPanel(
                location=p["location"],
                shot=p["shot"],
                description=p["description"].strip(),
                characters=list(p["characters"]),
                dialogue=[ShapedBalloon(b["kind"], b["speaker"], b["text"]) for b in p["dialogue"]],
            )
            for p in raw["panels"]
        ]
        previous_location = next(
            (pn.location for p in reversed(earlier) for pn in reversed(p.panels) if pn.location), None
        )
        self.report.notes.extend(shape_page(panels, self.bible, shape.budget, number, previous_location))
        self._grow_bible(panels, number)
        return PageDraft(number=number, panels=panels, summary=raw["summary"].strip(), raw=raw)

    def _grow_bible(self, panels: list[ShapedPanel], number: int) -> None:
        """Names the model used that the bible lacks (only possible when it had none) join it."""
        for panel in panels:
            for name in [*panel.characters, *(b.speaker for b in panel.dialogue if b.speaker)]:
                if name and self.bible.character(name) is None:
                    self.bible.characters = [*self.bible.characters, Character(name=name)]
                    self.report.notes.append(
                        f"page {number}: {name} was added to the bible's characters; describe them there."
                    )
            if panel.location and self.bible.location(panel.location) is None:
                self.bible.locations = [*self.bible.locations, Location(name=panel.location)]
                self.report.notes.append(
                    f"page {number}: {panel.location} was added to the bible's locations; describe it there."
                )

    def accept(self, page: PageDraft) -> None:
        """Keep `page` (replacing an earlier draft of it) and remember it in the bible."""
        self.pages = sorted([p for p in self.pages if p.number != page.number] + [page], key=lambda p: p.number)
        self.bible.record_page(page.number, page.summary)
        self.index.sync(self.bible.entries())
        self.report.pages_drafted = len(self.pages)

    def draft(self, story: str) -> DraftResult:
        """Plan and write every page; raise DraftFailed (with the pages so far) on an invalid reply."""
        excerpts = self.plan(story)
        self.excerpts = excerpts
        for number, excerpt in enumerate(excerpts, start=1):
            try:
                self.accept(self.write_page(number, excerpt))
            except LLMReplyError as exc:
                raise DraftFailed(
                    f"page {number}: {exc}", partial=self.result() if self.pages else None, raw=exc.raw
                ) from exc
        return self.result()

    # -- result -----------------------------------------------------------------------------------

    def book(self) -> Book:
        cast = [
            CastMember(name=c.name, description=_cast_description(c), aliases=list(c.aliases))
            for c in self.bible.characters
        ]
        pages = [
            Page(
                number=p.number,
                panels=[
                    Panel(
                        number=i,
                        description=tag_description(pn.location, pn.description),
                        shot=pn.shot,
                        characters=pn.characters,
                        dialogue=[Balloon(kind=b.kind, speaker=b.speaker, text=b.text) for b in pn.dialogue],
                    )
                    for i, pn in enumerate(p.panels, start=1)
                ],
            )
            for p in self.pages
        ]
        title = self.bible.title or self.options.title or "Untitled"
        book = Book(title=title[:200], style=self.bible.style, cast=cast, pages=pages, page_size=self.options.page_size)
        # The saved text must read back as the same book: check the round trip now, not at build time.
        parse_script(format_script(book), source="drafted script")
        return book

    def result(self) -> DraftResult:
        return DraftResult(book=self.book(), bible=self.bible.model_copy(deep=True), report=self.report)
