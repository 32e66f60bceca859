"""`comic build` through the job queue: the same `book` job the Comic tab's "Build the book" queues.

    outcome = build_on_queue(BookBuildRequest(script=Path("issue1.txt"), out_dir=Path("build")), config,
                             url=url, on_event=print)

The script is checked and the build folder's state judged here (a new build, --resume, --regenerate) before
anything is queued; then one `book` job is submitted and its panels run as `book_render` jobs on the
backend pool (per-backend slots, capability-aware placement, failover). This process runs a worker of its
own for the duration (`comfyui.url`, or --comfyui-url, plus `comfyui.backends`); a `python main.py worker`
or studio sharing the same queue takes part too. Build events (app/book/build_log.py) are handed to
`on_event` as panels and pages finish; the outcome carries the build's summary. Ctrl-C cancels the book
job and its panel jobs (queued ones are dropped, running ones interrupted on their ComfyUI).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..book.build_log import (
    BuildSummary,
    LoggedEvent,
    log_offset,
    read_events,
    read_summary,
)
from ..book.errors import BookError
from ..book.plan import PanelRef
from ..config import Config
from ..errors import InkframeError
from ..jobs.models import Job, JobSpec
from ..workflows.family_choice import WORKFLOWS as FAMILY_WORKFLOWS

POLL_S = 0.25


IMAGE_FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(family for step, family in FAMILY_WORKFLOWS if step == "panel"))


@dataclass(frozen=True)
class BookBuildRequest:
    """What `comic build` asks for; text options are parsed and checked by build_on_queue."""

    script: Path
    out_dir: Path
    library_dir: Path | None = None
    resume: bool = False
    regenerate: str | None = None  # "PAGE:PANEL"
    seed: int | None = None
    prompt: str | None = None
    max_side: int | None = None
    steps: int | None = None
    cfg: float | None = None
    checkpoint: str | None = None
    grade: str | None = None
    family: str | None = None  # model family of panels and backgrounds (default: the style's, else the backend's)
    formats: str = "png,pdf,cbz"


@dataclass(frozen=True)
class BookBuildOutcome:
    job: Job
    summary: BuildSummary | None  # None when the build stopped before its end (see error)

    @property
    def error(self) -> str | None:
        """The reason the build did not finish, or None when it did (failed panels are in summary.failed)."""
        if self.job.status == "succeeded" or (self.summary is not None and self.summary.failed):
            return None
        return self.job.last_error or f"the book job {self.job.id} {self.job.status}"


class BookBuildCancelled(InkframeError):
    """The user stopped the build (Ctrl-C); the book job and its panel jobs were cancelled."""


def job_parameters(request: BookBuildRequest) -> dict[str, Any]:
    """The `book` job's parameters for a request; raise BookError (one sentence) on a bad one."""
    from ..comic.export import parse_formats
    from ..comic.script import load_book

    if (request.seed is not None or request.prompt is not None) and not request.regenerate:
        raise BookError("--seed and --prompt apply to one panel; add --regenerate PAGE:PANEL.")
    if request.max_side is not None and request.max_side < 64:
        raise BookError(f"--max-side {request.max_side} is too small; use 64 or more.")
    if request.family is not None and request.family not in IMAGE_FAMILIES:
        raise BookError(f"--family {request.family!r} is unknown; use one of {', '.join(IMAGE_FAMILIES)}.")
    ref = PanelRef.parse(request.regenerate) if request.regenerate else None
    formats = list(parse_formats(request.formats))
    script = request.script.resolve()
    book = load_book(script)  # the script's own sentence when it is missing or wrong; nothing is queued
    out_dir = request.out_dir.resolve()
    has_state = (out_dir / "build.json").is_file()
    if ref is not None and not has_state:
        raise BookError(
            f"{out_dir} holds no build to regenerate a panel of; run `comic build` without --regenerate first."
        )
    if has_state and not request.resume and ref is None:
        raise BookError(
            f"{out_dir} already holds a build of {book.title or 'a book'}; pass --resume to continue it "
            "(finished panels are reused) or choose an empty --out."
        )
    parameters: dict[str, Any] = {"script": str(script), "out_dir": str(out_dir), "formats": formats}
    if request.library_dir is not None:
        parameters["library"] = str(request.library_dir.resolve())
    for key in ("max_side", "steps", "cfg", "checkpoint", "grade", "family", "seed", "prompt"):
        value = getattr(request, key)
        if value is not None:
            parameters[key] = value
    if ref is not None:
        parameters["regenerate"] = f"{ref.page}:{ref.panel}"
    return parameters


def build_on_queue(
    request: BookBuildRequest,
    config: Config,
    *,
    url: str | None = None,
    on_event: Callable[[LoggedEvent], None] | None = None,
    queue: Any = None,
    worker: bool = True,
    timeout_s: float | None = None,
) -> BookBuildOutcome:
    """Queue the book, run a worker while it builds (unless worker=False), and return its outcome.
    `url` replaces comfyui.url (the main backend); `queue` is a QueueService to use instead of opening one."""
    from .book_session_service import panel_blocker
    from .queue_service import QueueService

    parameters = job_parameters(request)
    if url:
        config = config.model_copy(update={"comfyui": config.comfyui.model_copy(update={"url": url.rstrip("/")})})
    blocker = panel_blocker(config, config.comfyui.url)
    if blocker:
        raise BookError(blocker)
    out_dir = Path(parameters["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    offset = log_offset(out_dir)
    service = queue or QueueService(config)
    running = service.start_worker() if worker else None
    try:
        [job] = service.submit([JobSpec(kind="book", parameters=parameters)], local_paths=True)
        try:
            job = _follow(service, job, out_dir, offset, on_event or (lambda event: None), timeout_s)
        except KeyboardInterrupt:
            service.cancel(job.id)
            raise BookBuildCancelled(
                f"the build was cancelled (job {job.id} and its panel jobs); run it again with "
                "--resume to keep the finished panels."
            ) from None
        return BookBuildOutcome(job=job, summary=read_summary(out_dir, job.id))
    finally:
        if running is not None:
            running.stop()
        if queue is None:
            service.close()


def _follow(
    service: Any, job: Job, out_dir: Path, offset: int, on_event: Callable[[LoggedEvent], None], timeout_s: float | None
) -> Job:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        current = service.get(job.id)
        events, offset = read_events(out_dir, offset, job.id)
        for event in events:
            on_event(event)
        if current.terminal:
            events, offset = read_events(out_dir, offset, job.id)  # written just before the end
            for event in events:
                on_event(event)
            return current
        if deadline is not None and time.monotonic() > deadline:
            raise BookError(f"the book job {job.id} did not end within {timeout_s:g} s; it is still {current.status}.")
        time.sleep(POLL_S)
