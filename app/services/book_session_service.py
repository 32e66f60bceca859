"""The Comic tab's use of the book builder: build (or resume, or regenerate one panel of) the book in the
script editor as a `book` job on the queue (its panels spread over every backend), streaming its
progress, and read back each panel's record (image, prompt, seed, scores) for the panel grid.

    # BuildUpdate(message, done, result, error)
    for update in run_build(config, url, script_text, out_dir, queue=service):
        ...
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import InkframeError

if TYPE_CHECKING:
    from ..book.state import PanelStatus

POLL_S = 0.5


@dataclass(frozen=True)
class BuildUpdate:
    message: str
    done: bool = False
    result: Any = None
    error: str | None = None
    progress: Any = None  # progress_service.JobProgress of the book job while it runs: panels done, step, preview


@dataclass(frozen=True)
class PanelView:
    page: int
    panel: int
    status: PanelStatus
    image: Path | None
    prompt: str
    seed: int | None
    identity: str
    quality: float | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def book_folder(output_dir: Path, title: str) -> Path:
    from ..comic.export import slugify

    return Path(output_dir) / "books" / slugify(title)


def panel_views(out_dir: Path) -> list[PanelView]:
    """Every panel record of a build folder, in reading order (empty when nothing was built yet)."""
    from ..book.state import PanelRecord

    views = []
    for path in sorted((Path(out_dir) / "panels").glob("*.json")):
        try:
            record = PanelRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # the builder reports a damaged record itself on the next build
        identity = (
            ", ".join(
                f"{score.character} {score.similarity:.2f}"
                for score in record.identity
                if getattr(score, "similarity", None) is not None
            )
            if record.identity
            else ""
        )
        image = Path(out_dir) / record.image if record.image else None
        views.append(
            PanelView(
                record.page,
                record.panel,
                record.status,
                image if image and image.is_file() else None,
                record.positive,
                record.seed,
                identity,
                record.quality,
                tuple(record.notes),
            )
        )
    return sorted(views, key=lambda view: (view.page, view.panel))


def run_build(
    config: Config,
    url: str,
    script_text: str,
    out_dir: Path,
    *,
    regenerate: str | None = None,
    seed: int | None = None,
    prompt: str | None = None,
    resume: bool = True,
    queue: Any = None,
    priority: int = 0,
    checkpoint: str | None = None,
) -> Iterator[BuildUpdate]:
    """Build through the job queue (a `book` job: its panels run as jobs on the backend pool, the same path
    as `python main.py batch` and the REST API) and yield its progress, then the outcome. `out_dir` must lie
    inside the output folder (books/<title> there); `url` is kept for callers and not used: the queue's
    workers have their backends. Without `queue`, a QueueService is opened on `config`."""
    from ..book.plan import PanelRef
    from ..jobs.models import JobSpec
    from .queue_service import QueueService

    out_dir = Path(out_dir)
    output_root = config.resolve(config.app.output_dir)
    try:
        relative = out_dir.resolve().relative_to(output_root.resolve())
    except ValueError:
        message = f"the build folder {out_dir} is not inside the output folder {output_root}."
        yield BuildUpdate(message, done=True, error=message)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    script = out_dir / "script.txt"
    script.write_text(script_text, encoding="utf-8")
    try:
        ref = PanelRef.parse(regenerate) if regenerate else None
    except InkframeError as exc:
        yield BuildUpdate(str(exc), done=True, error=str(exc))
        return
    if (out_dir / "build.json").is_file() and not resume and ref is None:
        message = (
            f"{out_dir} already holds a build; build with resume (finished panels are reused) or regenerate one panel."
        )
        yield BuildUpdate(message, done=True, error=message)
        return
    blocker = panel_blocker(config, url)
    if blocker:
        yield BuildUpdate(blocker, done=True, error=blocker)
        return
    parameters: dict[str, Any] = {"script": str(script), "out_dir": relative.as_posix()}
    if checkpoint:
        parameters["checkpoint"] = checkpoint
    if ref is not None:
        parameters.update(
            regenerate=f"{ref.page}:{ref.panel}",
            **({"seed": seed} if seed is not None else {}),
            **({"prompt": prompt} if prompt else {}),
        )
    own = queue is None
    service = queue or QueueService(config)
    try:
        try:
            [job] = service.submit([JobSpec(kind="book", parameters=parameters, priority=priority)])
        except InkframeError as exc:
            yield BuildUpdate(str(exc), done=True, error=str(exc))
            return
        yield BuildUpdate(f"queued as job {job.id}")
        yield from _follow(service, job.id)
    finally:
        if own:
            service.close()


def panel_blocker(config: Config, url: str) -> str:
    """'' when a book can be queued, else one sentence why not: with no other backend configured, the main
    ComfyUI must answer and be able to draw panels (never queue a build that cannot run)."""
    from . import capability_service

    if config.comfyui.backends:
        return ""  # the pool places panels on whichever backend can draw them
    result = capability_service.check(url, timeouts=config.comfyui.timeouts)
    if not result.reachable:
        return (
            f"ComfyUI at {url} cannot be reached ({result.error.rstrip('.')}); start it (or set comfyui.url) and "
            "build again: nothing was queued."
        )
    return capability_service.workflow_blocker(result, "panel")


def _follow(service: Any, job_id: str) -> Iterator[BuildUpdate]:
    from ..jobs.models import now
    from ..jobs.reconcile import STALE_AFTER_S
    from . import progress_service

    last = ""
    warned = False
    while True:
        job = service.get(job_id)
        if job.terminal:
            if job.status == "succeeded":
                yield BuildUpdate("the book is built", done=True, result=job)
            else:
                error = job.last_error or f"the book job was {job.status}"
                yield BuildUpdate(error, done=True, error=error)
            return
        place = progress_service.snapshot(service, job_id) if job.status == "running" else None
        if job.progress_text and job.progress_text != last:
            last = job.progress_text
            yield BuildUpdate(last, progress=place)
        elif (
            job.status == "queued"
            and not warned
            and not any(now() - info.heartbeat_at <= STALE_AFTER_S for info in service.store.workers())
        ):
            warned = True
            yield BuildUpdate(
                "waiting for a queue worker: start the studio with its worker or `python main.py worker`."
            )
        else:
            yield BuildUpdate("", progress=place)  # a heartbeat: the caller refreshes the panel grid and the bar
        time.sleep(POLL_S)
