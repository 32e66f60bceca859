"""The writers' room loop: plan -> write -> (generate) -> evaluate -> revise, within a step budget.

`run_writers_room(params, llm, ...)` is the one entry point for the CLI, the UI and the batch queue:
typed pydantic params in, a typed result out (both JSON-serialisable for a job record). A step is
one model call; the budget covers planning, every page and every revision. Evaluation is the pure
coherence check; pages whose problems a rewrite can fix are redrafted with the problems listed and
kept only when the redraft has fewer problems. `generate` (optional) receives the book after each
write/revise round: the panel pipeline plugs in there when it exists.

Files: the script is written atomically to `out_path`; the grown bible beside it
(`<stem>.bible.json`) with its vector index (`<stem>.bible.index/`). When a reply stays invalid the
existing script is left untouched (the last good script) and the pages drafted so far go to
`<stem>.partial.txt`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..comic.model import Book
from ..errors import InkframeError
from ..llm import ChatClient, LLMReplyError, LLMSettings
from .bible import Bible, load_bible, save_bible
from .checks import CheckIssue, CheckReport, DialogueBudget, check_book
from .draft import Drafter, DraftFailed, DraftOptions, DraftResult
from .embed import Embedder, MiniLMEmbedder
from .prompts import PageShape
from .retrieval import BibleIndex

log = logging.getLogger(__name__)

StepName = Literal["plan", "write", "generate", "evaluate", "revise"]
# Warnings a rewrite can fix (errors are always revised).
REVISABLE_WARNINGS = frozenset(
    {"location-jump", "outfit-mismatch", "unknown-location", "balloon-overloaded", "too-many-balloons"}
)
MAX_REVISE_ROUNDS = 2


class WritersRoomParams(BaseModel):
    """Everything one run needs; also the `parameters` of a `story` batch job."""

    model_config = ConfigDict(extra="forbid")

    story_text: str = Field(min_length=1)
    pages: int = Field(ge=1, le=200)
    out_path: Path
    bible_path: Path | None = Field(
        None, description="bible to start from (JSON/YAML); default <stem>.bible.json beside out_path if present"
    )
    title: str | None = None
    max_steps: int = Field(24, ge=1, le=1000, description="model calls the whole run may use")
    min_panels: int = Field(3, ge=1, le=12)
    max_panels: int = Field(5, ge=1, le=12)
    words_per_balloon: int = Field(25, ge=3, le=200)
    words_per_panel: int = Field(50, ge=3, le=400)
    balloons_per_panel: int = Field(3, ge=1, le=12)
    page_size: str = "us-comic"
    seed: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WritersRoomParams:
        if self.min_panels > self.max_panels:
            raise ValueError(f"min_panels ({self.min_panels}) is more than max_panels ({self.max_panels})")
        if self.max_steps < self.pages:
            raise ValueError(f"max_steps ({self.max_steps}) must allow at least one model call per page ({self.pages})")
        from ..comic.pages import page_size_names

        if self.page_size.strip().lower() not in page_size_names():
            raise ValueError(f"unknown page size {self.page_size!r}; choose one of: {', '.join(page_size_names())}")
        return self

    @property
    def budget(self) -> DialogueBudget:
        return DialogueBudget(self.words_per_balloon, self.words_per_panel, self.balloons_per_panel)

    @property
    def grown_bible_path(self) -> Path:
        return self.out_path.with_name(f"{self.out_path.stem}.bible.json")

    @property
    def index_dir(self) -> Path:
        return self.out_path.with_name(f"{self.out_path.stem}.bible.index")

    @property
    def partial_path(self) -> Path:
        return self.out_path.with_name(f"{self.out_path.stem}.partial.txt")


class StepRecord(BaseModel):
    step: StepName
    page: int | None = None
    detail: str


class WritersRoomResult(BaseModel):
    ok: bool = Field(description="a script was written and has no coherence errors")
    script_path: Path | None
    bible_path: Path | None
    pages_drafted: int
    steps_used: int
    errors: int
    warnings: int
    check_report: str
    draft_report: str
    log: list[StepRecord]
    failure: str | None = Field(None, description="one sentence when drafting stopped early")
    generate_error: str | None = Field(
        None, description="one sentence when the generate step failed (the script is kept)"
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _starting_bible(params: WritersRoomParams) -> Bible:
    if params.bible_path is not None:
        return load_bible(params.bible_path)
    if params.grown_bible_path.is_file():
        return load_bible(params.grown_bible_path)
    return Bible()


def _revisable(issues: list[CheckIssue]) -> list[CheckIssue]:
    return [i for i in issues if i.severity == "error" or i.code in REVISABLE_WARNINGS]


def _count(report: CheckReport, page: int) -> int:
    return len(_revisable(report.for_page(page)))


def run_writers_room(
    params: WritersRoomParams,
    llm: LLMSettings,
    *,
    context_tokens: int = 4096,
    embedder: Embedder | None = None,
    generate: Callable[[Book], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> WritersRoomResult:
    """Draft `params.story_text` into a checked script at `params.out_path` (see module doc)."""
    say = progress or (lambda message: log.info("%s", message))
    steps: list[StepRecord] = []
    bible = _starting_bible(params)
    embedder = embedder or MiniLMEmbedder()
    index = BibleIndex.load(params.index_dir, embedder)
    shape = PageShape(min_panels=params.min_panels, max_panels=params.max_panels, budget=params.budget)
    options = DraftOptions(
        pages=params.pages,
        shape=shape,
        context_tokens=context_tokens,
        page_size=params.page_size,
        title=params.title,
        seed=params.seed,
    )
    generate_errors: list[str] = []
    with ChatClient(llm) as client:
        drafter = Drafter(client, bible, index, options)
        try:
            result = _draft_and_revise(drafter, params, steps, _guarded(generate, steps, generate_errors), say)
        except DraftFailed as exc:
            return _failed(params, drafter, steps, exc)
    _write_atomically(params.out_path, result.script_text)
    save_bible(result.bible, params.grown_bible_path)
    index.save(params.index_dir)
    report = check_book(result.book, result.bible, params.budget)
    say(f"wrote {params.out_path} ({len(result.book.pages)} pages, {report.as_text().splitlines()[-1]})")
    return WritersRoomResult(
        ok=report.ok,
        script_path=params.out_path,
        bible_path=params.grown_bible_path,
        pages_drafted=len(result.book.pages),
        steps_used=drafter.report.llm_calls,
        errors=len(report.errors),
        warnings=len(report.warnings),
        check_report=report.as_text(),
        draft_report=drafter.report.as_text(),
        log=steps,
        generate_error=generate_errors[-1] if generate_errors else None,
    )


def _guarded(
    generate: Callable[[Book], None] | None, steps: list[StepRecord], errors: list[str]
) -> Callable[[Book], None] | None:
    """The generate hook, with its failures recorded instead of ending the run (the text is kept);
    after one failure it is not called again."""
    if generate is None:
        return None

    def run(book: Book) -> None:
        if errors:
            return
        try:
            generate(book)
        except InkframeError as exc:
            errors.append(str(exc))
            steps.append(StepRecord(step="generate", detail=f"failed: {exc}"))
            return
        steps.append(StepRecord(step="generate", detail=f"{book.panel_count()} panel(s) through the generate step"))

    return run


def _out_of_steps(drafter: Drafter, params: WritersRoomParams) -> bool:
    return drafter.report.llm_calls >= params.max_steps


def _draft_and_revise(
    drafter: Drafter, params: WritersRoomParams, steps: list[StepRecord], generate, say
) -> DraftResult:
    excerpts = drafter.plan(params.story_text)
    steps.append(
        StepRecord(
            step="plan",
            detail=f"{len(excerpts)} page excerpt(s), "
            f"{len(drafter.bible.characters)} character(s), "
            f"{drafter.report.llm_calls} model call(s)",
        )
    )
    for number, excerpt in enumerate(excerpts, start=1):
        if _out_of_steps(drafter, params):
            raise DraftFailed(
                f"the step budget of {params.max_steps} model calls ran out before page {number}; raise max_steps.",
                partial=drafter.result() if drafter.pages else None,
            )
        say(f"writing page {number} of {len(excerpts)}")
        try:
            drafter.accept(drafter.write_page(number, excerpt))
        except LLMReplyError as exc:
            raise DraftFailed(
                f"page {number}: {exc}", partial=drafter.result() if drafter.pages else None, raw=exc.raw
            ) from exc
        steps.append(StepRecord(step="write", page=number, detail=f"{len(drafter.pages[-1].panels)} panel(s)"))
    for _round in range(MAX_REVISE_ROUNDS):
        result = drafter.result()
        if generate is not None:
            generate(result.book)
        report = check_book(result.book, result.bible, params.budget)
        pages = sorted({i.page for i in _revisable(report.issues)})
        steps.append(
            StepRecord(
                step="evaluate",
                detail=f"{len(report.errors)} error(s), "
                f"{len(report.warnings)} warning(s); "
                f"pages to revise: {pages or 'none'}",
            )
        )
        if not pages:
            return result
        for number in pages:
            if _out_of_steps(drafter, params):
                steps.append(StepRecord(step="revise", page=number, detail="skipped: step budget spent"))
                return result
            _revise_page(drafter, report, number, excerpts[number - 1], steps, params)
    return drafter.result()


def _revise_page(
    drafter: Drafter, report: CheckReport, number: int, excerpt: str, steps: list[StepRecord], params: WritersRoomParams
) -> None:
    problems = [i.describe() for i in _revisable(report.for_page(number))]
    current = next(p for p in drafter.pages if p.number == number)
    try:
        candidate = drafter.write_page(number, excerpt, problems=problems, previous_draft=current)
    except LLMReplyError as exc:
        steps.append(StepRecord(step="revise", page=number, detail=f"kept the earlier draft: {exc}"))
        return
    before = _count(report, number)
    drafter.accept(candidate)
    after_report = check_book(drafter.result().book, drafter.bible, params.budget)
    after = _count(after_report, number)
    if after < before:
        steps.append(StepRecord(step="revise", page=number, detail=f"problems {before} -> {after}"))
    else:
        drafter.accept(current)
        steps.append(
            StepRecord(
                step="revise",
                page=number,
                detail=f"kept the earlier draft (redraft had {after} problem(s), earlier {before})",
            )
        )


def _failed(
    params: WritersRoomParams, drafter: Drafter, steps: list[StepRecord], exc: DraftFailed
) -> WritersRoomResult:
    partial = exc.partial
    kept = params.out_path.is_file()
    if partial is not None:
        _write_atomically(params.partial_path, partial.script_text)
    where = (
        f"{params.out_path} was left as it was (the last good script)"
        if kept
        else f"no script was written to {params.out_path}"
    )
    extra = (
        f"; the {partial.report.pages_drafted} page(s) drafted are in {params.partial_path}"
        if partial is not None
        else ""
    )
    failure = f"{str(exc).rstrip('.')}; {where}{extra}."
    return WritersRoomResult(
        ok=False,
        script_path=params.out_path if kept else None,
        bible_path=None,
        pages_drafted=partial.report.pages_drafted if partial else 0,
        steps_used=drafter.report.llm_calls,
        errors=0,
        warnings=0,
        check_report="",
        draft_report=drafter.report.as_text(),
        log=steps,
        failure=failure,
    )
