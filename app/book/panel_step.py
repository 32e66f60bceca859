"""The panel step of the book build: each panel of the script planned as a `PanelJob` (prompt, seed, size, plate
crop, fingerprint), then run in reading order or several at once, reusing finished panels."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PIL import Image

from ..comfy import ExecutionError
from ..comic.panel_images import cover_crop
from ..quality import FaceEmbedder
from .backend import GenerationRequest, PanelBackend
from .build_types import REGENERATE_SEED_STEP, BookContext, BuildEvent, BuildEventKind, BuildOptions, _family, _reused
from .errors import BookError
from .gates import reference_embeddings
from .library import entry_id
from .panel_runner import GateSettings, PanelJob, PanelRunner
from .plan import PanelRef, attempt_seed, base_seed, panel_size
from .prompts import FACE_SHOTS, assemble_prompt
from .state import PanelRecord, StateStore, fingerprint
from .styles import StylePreset


class PanelStep:
    """BookBuilder's panel step (a mixin: BookBuilder holds the backend, gates, embedder and on_event)."""

    backend: PanelBackend
    gates: GateSettings
    embedder: FaceEmbedder | None
    on_event: Callable[[BuildEvent], None]

    def plan_jobs(
        self, context: BookContext, options: BuildOptions, store: StateStore, plates: dict[str, Image.Image]
    ) -> list[PanelJob]:
        jobs = []
        lut = _lut(context.style)
        digests = {key: hashlib.sha256(plate.tobytes()).hexdigest()[:16] for key, plate in plates.items()}
        for page, layout in zip(context.book.pages, context.layouts):
            for panel, slot in zip(page.panels, layout.slots):
                ref = PanelRef(page.number, panel.number)
                previous = store.load_panel(ref)
                overrides = dict(previous.overrides) if previous else {}
                if options.regenerate == ref:
                    overrides["seed"] = (
                        options.seed
                        if options.seed is not None
                        else attempt_seed(
                            (
                                previous.seed
                                if previous and previous.seed is not None
                                else base_seed(context.book.title, ref)
                            ),
                            REGENERATE_SEED_STEP,
                        )
                    )
                    if options.prompt is not None:
                        overrides["prompt"] = options.prompt
                location = context.location_of.get(ref)
                present = {name: context.characters.get(name) for name in panel.characters}
                prompt = assemble_prompt(
                    panel,
                    style=context.style,
                    cast=context.book.cast,
                    characters=present,
                    location=location,
                    prompt_override=overrides.get("prompt"),
                )
                first = next((c for c in present.values() if c is not None and c.seed is not None), None)
                seed0 = base_seed(context.book.title, ref, first.seed if first else None)
                width, height = panel_size(slot, max_side=options.max_side)
                references = {name: tuple(c.reference_paths()) if c else () for name, c in present.items()}
                plate = plates.get(entry_id(location.name)) if location else None
                workflow = "img2img_restyle" if plate is not None else "panel"
                init = (
                    cover_crop(plate, (width, height), (panel.focus.x, panel.focus.y) if panel.focus else (0.5, 0.5))
                    if plate
                    else None
                )
                request = GenerationRequest(
                    workflow=workflow,
                    positive=prompt.positive,
                    negative=prompt.negative,
                    seed=int(overrides.get("seed", seed0)),
                    width=width,
                    height=height,
                    steps=options.steps,
                    cfg=options.cfg,
                    checkpoint=options.checkpoint,
                    loras=prompt.loras,
                    references=tuple(p for refs in references.values() for p in refs)[:1],
                    init_image=init,
                    strength=location.strength if location else None,
                    family=_family(options, context.style, workflow),
                )
                use_crop = (
                    plate is not None and location is not None and location.use == "crop" and not panel.characters
                )
                key = fingerprint(
                    {
                        "request": {k: v for k, v in request.__dict__.items() if k != "init_image"},
                        "plate": digests.get(entry_id(location.name)) if plate else None,
                        "crop": use_crop,
                        "grade": [context.style.grade, context.style.grade_strength],
                        "references": {k: [str(p) for p in v] for k, v in references.items()},
                        "gates": self.gates.__dict__,
                    }
                )
                jobs.append(
                    PanelJob(
                        ref=ref,
                        request=request,
                        fingerprint=key,
                        base_seed=seed0,
                        face_expected=(panel.shot or "medium") in FACE_SHOTS,
                        references=references,
                        location=location.name if location else None,
                        overrides=overrides,
                        plate_crop=init if use_crop else None,
                        grade=lut,
                        grade_strength=context.style.grade_strength,
                        notes=prompt.notes,
                    )
                )
        return jobs

    def _run_panels(
        self, runner: PanelRunner, jobs: list[PanelJob], options: BuildOptions, store: StateStore
    ) -> tuple[list[PanelRef], list[PanelRef], list[PanelRecord]]:
        """Reuse, keep or run each panel in reading order. With a prefetching backend the next panel to run is
        submitted before the current one is checked, so ComfyUI generates while the app runs the gates."""
        generated: list[PanelRef] = []
        reused: list[PanelRef] = []
        records: list[PanelRecord] = []
        plan: list[tuple[PanelJob, PanelRecord | None]] = []
        for job in jobs:
            forced = options.regenerate == job.ref
            existing = None if forced else store.reusable(job.ref, job.fingerprint)
            if existing is None and options.regenerate is not None and not forced:
                existing = store.load_panel(job.ref)  # a regenerate leaves every other panel as it is
                if existing is None or not existing.image:
                    raise BookError(
                        f"{job.ref} has no finished art in {options.out_dir}; "
                        "run `comic build --resume` before regenerating."
                    )
            plan.append((job, existing))
        to_run = [job for job, existing in plan if existing is None and job.plate_crop is None]
        prefetch = getattr(self.backend, "prefetch", None)
        upcoming = iter(to_run[1:])
        try:
            if prefetch is not None and to_run:
                prefetch(to_run[0].request)
            for job, existing in plan:
                if existing is not None:
                    reused.append(job.ref)
                    records.append(existing)
                    self.on_event(_reused(job.ref, existing))
                    continue
                if prefetch is not None and job.plate_crop is None:
                    following = next(upcoming, None)
                    if following is not None:
                        prefetch(following.request)
                try:
                    record = runner.run(job)
                except ExecutionError as exc:  # this panel's prompt failed inside ComfyUI: keep going, report it
                    record = _failed_record(job, str(exc))
                    store.save_panel(record)
                    records.append(record)
                    self.on_event(BuildEvent(BuildEventKind.FAILED, f"{job.ref}: failed: {exc}", job.ref))
                    continue
                generated.append(job.ref)
                records.append(record)
                self.on_event(BuildEvent(BuildEventKind.PANEL, _panel_line(record), job.ref))
        finally:
            cancel = getattr(self.backend, "cancel_prefetched", None)
            if cancel is not None:
                cancel()
        return generated, reused, records

    def _run_panels_parallel(
        self,
        runner: PanelRunner,
        jobs: list[PanelJob],
        options: BuildOptions,
        store: StateStore,
        parallel: int,
        on_record: Callable[[PanelRecord], None],
    ) -> tuple[list[PanelRef], list[PanelRef], list[PanelRecord]]:
        """Run up to `parallel` panels at once (a backend that spreads them over several ComfyUIs, e.g. the
        queue's pool); each panel still goes through its gates in order. A page is composed as soon as its
        last panel is done (on_record). Records come back in reading order."""
        generated: list[PanelRef] = []
        reused: list[PanelRef] = []
        records: dict[PanelRef, PanelRecord] = {}
        lock = threading.Lock()
        to_run: list[PanelJob] = []
        for job in jobs:
            forced = options.regenerate == job.ref
            existing = None if forced else store.reusable(job.ref, job.fingerprint)
            if existing is None and options.regenerate is not None and not forced:
                existing = store.load_panel(job.ref)
                if existing is None or not existing.image:
                    raise BookError(
                        f"{job.ref} has no finished art in {options.out_dir}; "
                        "run `comic build --resume` before regenerating."
                    )
            if existing is not None:
                reused.append(job.ref)
                records[job.ref] = existing
                self.on_event(_reused(job.ref, existing))
                on_record(existing)
            else:
                to_run.append(job)

        def run(job: PanelJob) -> None:
            try:
                record = runner.run(job)
                event = BuildEvent(BuildEventKind.PANEL, _panel_line(record), job.ref)
            except (ExecutionError, BookError) as exc:  # this panel failed on the backend: keep going, report it
                record = _failed_record(job, str(exc))
                store.save_panel(record)
                event = BuildEvent(BuildEventKind.FAILED, f"{job.ref}: failed: {exc}", job.ref)
            with lock:
                records[job.ref] = record
                if record.status != "failed":
                    generated.append(job.ref)
                self.on_event(event)
                on_record(record)

        with ThreadPoolExecutor(
            max_workers=max(1, min(parallel, len(to_run) or 1)), thread_name_prefix="inkframe-panel"
        ) as pool:
            futures = [pool.submit(run, job) for job in to_run]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        order = {job.ref: index for index, job in enumerate(jobs)}
        generated.sort(key=order.__getitem__)
        return generated, reused, [records[job.ref] for job in jobs if job.ref in records]

    def _reference_embeddings(self, context: BookContext) -> dict[str, list]:
        if self.embedder is None:
            return {}
        out = {}
        for name, character in context.characters.items():
            paths = character.reference_paths() if character else []
            out[name] = reference_embeddings(self.embedder, [Image.open(p) for p in paths]) if paths else []
        return out


class _Locked:
    """Calls into a shared embedder or repairer one at a time (panels run on several threads)."""

    def __init__(self, target: Any) -> None:
        self._target, self._lock = target, threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def _locked(function: Callable[..., Any]) -> Callable[..., Any]:
    lock = threading.Lock()

    def call(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return function(*args, **kwargs)

    return call


def _serialised(embedder: Any, repairer: Any, parallel: bool) -> tuple[Any, Any]:
    if not parallel:
        return embedder, repairer
    return (_Locked(embedder) if embedder is not None else None), (_Locked(repairer) if repairer is not None else None)


def _lut(style: StylePreset):
    if not style.grade:
        return None
    from ..comic.grading import resolve_lut

    return resolve_lut(style.grade)


def _failed_record(job: PanelJob, reason: str) -> PanelRecord:
    request = job.request
    return PanelRecord(
        page=job.ref.page,
        panel=job.ref.panel,
        status="failed",
        fingerprint=job.fingerprint,
        workflow=request.workflow,
        width=request.width,
        height=request.height,
        seed=request.seed,
        base_seed=job.base_seed,
        positive=request.positive,
        negative=request.negative,
        characters=list(job.references),
        location=job.location,
        overrides=dict(job.overrides),
        notes=[f"failed on the backend: {reason}"],
    )


def _panel_line(record: PanelRecord) -> str:
    identity = (
        ", ".join(f"{s.character} {s.similarity:.2f}" for s in record.identity if s.similarity is not None)
        or "not measured"
    )
    quality = f"{record.quality:.2f}" if record.quality is not None else "-"
    return (
        f"page {record.page} panel {record.panel}: seed {record.seed}, "
        f"{record.workflow}, {record.width}x{record.height}, "
        f"identity {identity}, quality {quality}, retries {record.retries}, repairs {record.repairs}"
    )
