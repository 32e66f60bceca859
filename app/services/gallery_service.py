"""The gallery: finished outputs newest first, the settings each one was made with, and a re-run of them.

Every output carries its settings twice: in its job record (kind, workflow, parameters, priority) and, for
images saved by ComfyUI, as the API prompt embedded in the PNG. `settings` reads both; `rerun` queues the
job's settings again, keeping the seed or drawing a new one for every seed the settings name.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import InkframeError
from app.jobs.models import Job, JobQuery, JobSpec
from app.provenance.formats import png_text

MEDIA_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp4", ".webm", ".mov"})
SEED_INPUTS = ("seed", "noise_seed")
SEED_MAX = 2**32 - 1
EMBEDDED_MAX_BYTES = 64 * 1024 * 1024
LIST_LIMIT = 48
SCAN_LIMIT = 500


class GalleryError(InkframeError):
    """An output whose settings cannot be shown or run again."""


@dataclass(frozen=True)
class GalleryItem:
    job_id: str
    path: Path
    caption: str
    finished_at: float


@dataclass(frozen=True)
class OutputSettings:
    job_id: str
    kind: str
    workflow: str | None
    parameters: dict[str, Any]
    seeds: dict[str, int]
    backend: str | None
    duration_s: float | None
    finished_at: float | None
    embedded_nodes: int = 0  # nodes of the API prompt embedded in the first PNG output (0: none)
    outputs: tuple[Path, ...] = field(default_factory=tuple)


def _finished(queue: Any, limit: int) -> list[Job]:
    total = queue.list(JobQuery(status=["succeeded"], limit=1)).total
    page = queue.list(JobQuery(status=["succeeded"], limit=limit, offset=max(0, total - limit)))
    return sorted(page.items, key=lambda job: job.finished_at or job.updated_at, reverse=True)


def media(job: Job, output_dir: Path) -> list[Path]:
    paths = [output_dir / output.path for output in job.outputs if output.kind in ("image", "video")]
    return [path for path in paths if path.suffix.lower() in MEDIA_SUFFIXES and path.is_file()]


def items(queue: Any, *, limit: int = LIST_LIMIT, caption=None) -> list[GalleryItem]:
    """Outputs of finished jobs, newest first (at most `limit` files); `caption(job)` names each one."""
    found: list[GalleryItem] = []
    for job in _finished(queue, SCAN_LIMIT):
        for path in media(job, queue.output_dir):
            found.append(
                GalleryItem(job.id, path, caption(job) if caption else job.kind, job.finished_at or job.updated_at)
            )
            if len(found) >= limit:
                return found
    return found


def _seed_places(job: Job) -> dict[tuple[str, ...], int]:
    """Where the job's settings hold a seed, as key paths into its parameters -> the seed."""
    found: dict[tuple[str, ...], int] = {}
    parameters = job.parameters
    overrides = parameters.get("overrides")
    if isinstance(overrides, dict):
        found.update({("overrides", k): v for k, v in overrides.items() if "seed" in k and _is_int(v)})
    found.update({(k,): v for k, v in parameters.items() if "seed" in k and _is_int(v)})
    prompt = parameters.get("prompt")
    if isinstance(prompt, dict):
        for node_id, node in prompt.items():
            inputs = node.get("inputs") if isinstance(node, dict) else None
            for name in SEED_INPUTS:
                if isinstance(inputs, dict) and _is_int(inputs.get(name)):
                    found[("prompt", str(node_id), "inputs", name)] = inputs[name]
    return found


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def seeds_of(job: Job) -> dict[str, int]:
    """The job's seeds by where they are: 'overrides.seed', 'seed', 'prompt.5.inputs.seed' -> value."""
    return {".".join(path): value for path, value in _seed_places(job).items()}


def _workflow_seed_names(workflow: str) -> list[str]:
    from . import workflow_form_service

    try:
        return [p.name for p in workflow_form_service.describe(workflow).parameters if p.kind == "seed"]
    except InkframeError:
        return []


def _embedded_nodes(paths: list[Path]) -> int:
    for path in paths:
        if path.suffix.lower() == ".png" and path.stat().st_size <= EMBEDDED_MAX_BYTES:
            try:
                prompt = json.loads(png_text(path.read_bytes()).get("prompt") or "null")
            except (OSError, ValueError):
                continue
            if isinstance(prompt, dict):
                return len(prompt)
    return 0


def settings(queue: Any, job_id: str) -> OutputSettings:
    """What a finished job was made with (its record and what its PNG carries)."""
    job = queue.get(job_id)
    paths = media(job, queue.output_dir)
    workflow = job.parameters.get("workflow")
    return OutputSettings(
        job_id=job.id,
        kind=job.kind,
        workflow=Path(workflow).stem if isinstance(workflow, str) else None,
        parameters=copy.deepcopy(job.parameters),
        seeds=seeds_of(job),
        backend=job.backend,
        duration_s=round(job.finished_at - job.started_at, 2) if job.finished_at and job.started_at else None,
        finished_at=job.finished_at,
        embedded_nodes=_embedded_nodes(paths),
        outputs=tuple(paths),
    )


def with_new_seeds(job: Job, rng: random.Random) -> dict[str, Any]:
    """The job's parameters with every seed drawn again; a workflow job whose seed took the workflow's default
    gets a drawn seed for each seed parameter of the workflow."""
    parameters = copy.deepcopy(job.parameters)
    places = list(_seed_places(job))
    if job.kind == "workflow" and isinstance(parameters.get("workflow"), str):
        overrides = parameters.setdefault("overrides", {})
        places += [
            ("overrides", name) for name in _workflow_seed_names(parameters["workflow"]) if name not in overrides
        ]
    if not places:
        raise GalleryError(f"the settings of job {job.id[:8]} name no seed; re-run it with the same settings.")
    for *path, key in dict.fromkeys(places):
        holder = parameters
        for part in path:
            holder = holder[part]
        holder[key] = rng.randint(0, SEED_MAX)
    return parameters


def rerun(queue: Any, job_id: str, *, new_seed: bool = False, rng: random.Random | None = None) -> Job:
    """Queue the settings of a finished job again (same seed, or new seeds); returns the new job."""
    old = queue.get(job_id)
    if old.kind == "book_render":
        raise GalleryError(
            "a book panel is redrawn from its book (Comic tab or `comic build --regenerate`), not alone."
        )
    parameters = with_new_seeds(old, rng or random.SystemRandom()) if new_seed else copy.deepcopy(old.parameters)
    return queue.submit([JobSpec(kind=old.kind, parameters=parameters, priority=old.priority)])[0]
