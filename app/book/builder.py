"""The whole book: script -> location plates -> panels (through the gates) -> lettered pages -> PDF/CBZ -> report.

    builder = BookBuilder(backend, store=StateStore(out), gates=GateSettings(...), embedder=..., repairer=...)
    result = builder.build(BuildOptions(script=Path("issue1.txt"), out_dir=out, resume=True))

The graph is panels -> pages -> export: each panel is an independent `PanelJob` (see panel_runner.py),
a page needs its panels, the export needs every page. `build()` runs the panels in-process, in reading
order, or several at once when the backend has `parallel` > 1 (the queue's `QueuePanelBackend` makes each
picture a `book_render` job on the backend pool); `plan_jobs()` is the planning step of `build()`.
Progress goes to `on_event` as `BuildEvent`s, one `BuildEventKind` each.

Resume: a panel whose record is `done` with an unchanged fingerprint is reused as it is. Regenerate:
one panel is rebuilt (a new or given seed, an edited prompt), its page recomposed and the PDF/CBZ
rewritten from the page PNGs, without touching the other panels.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from PIL import Image

from ..comfy import ExecutionError
from ..comic.compose import ComposeOptions
from ..comic.layout import PageLayout, layout_book
from ..comic.model import Book
from ..comic.panel_images import cover_crop
from ..comic.script import load_book
from ..provenance import restyled
from ..provenance.stamping import stamp_output
from ..quality import FaceEmbedder
from .backend import GenerationRequest, PanelBackend
from .errors import BookError
from .gates import face_identifier, reference_embeddings
from .library import Character, Location, entry_id, find_entry, list_entries
from .pages import LetteringProblem, compose_and_export
from .panel_runner import FaceRepairer, GateSettings, PanelJob, PanelRunner
from .plan import PanelRef, assign_locations, attempt_seed, base_seed, load_location_map, panel_size, plate_size
from .prompts import FACE_SHOTS, assemble_prompt
from .report import write_report
from .state import BookState, PanelRecord, StateStore, fingerprint
from .styles import StylePreset, resolve_style

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


class BookBuilder:
    def __init__(
        self,
        backend: PanelBackend,
        *,
        gates: GateSettings | None = None,
        embedder: FaceEmbedder | None = None,
        embedder_reason: str = "",
        repairer: FaceRepairer | None = None,
        repairer_reason: str = "",
        on_event: Callable[[BuildEvent], None] | None = None,
    ) -> None:
        self.backend = backend
        self.gates = gates or GateSettings()
        self.embedder = embedder
        self.embedder_reason = embedder_reason
        self.repairer = repairer
        self.repairer_reason = repairer_reason
        self.on_event = on_event or (lambda event: None)

    # ---- the plan ----------------------------------------------------------------------------------
    def load_context(self, options: BuildOptions) -> BookContext:
        book = load_book(options.script)
        if not book.pages or not book.panel_count():
            raise BookError(f"{options.script} has no panels to build.")
        library = options.library_dir
        characters_lib = list_entries(library, "characters") if library else []
        locations = list_entries(library, "locations") if library else []
        characters: dict[str, Character | None] = {}
        for member in book.cast:
            found = find_entry(characters_lib, member.reference or member.name) or find_entry(
                characters_lib, member.name
            )
            characters[member.name] = found
        for page in book.pages:
            for panel in page.panels:
                for name in panel.characters:
                    characters.setdefault(name, find_entry(characters_lib, name))
        style = resolve_style(book.style, library, grade=options.grade)
        location_map = load_location_map(options.script.with_suffix(".locations.yaml"))
        return BookContext(
            book, style, characters, locations, assign_locations(book, locations, location_map), layout_book(book)
        )

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

    # ---- running -------------------------------------------------------------------------------------
    def build(self, options: BuildOptions) -> BuildResult:
        started = time.perf_counter()
        store = StateStore(options.out_dir)
        state = store.load_book()
        has_state = (options.out_dir / "build.json").is_file()
        if options.regenerate is not None and not has_state:
            raise BookError(
                f"{options.out_dir} holds no build to regenerate a panel of; "
                "run `comic build` without --regenerate first."
            )
        if has_state and not options.resume and options.regenerate is None:
            raise BookError(
                f"{options.out_dir} already holds a build of {state.title or 'a book'}; pass --resume to continue it "
                "(finished panels are reused) or choose an empty --out."
            )
        context = self.load_context(options)
        refs = [PanelRef(p.number, n.number) for p in context.book.pages for n in p.panels]
        if options.regenerate is not None and options.regenerate not in refs:
            raise BookError(
                f"{options.regenerate} is not in {options.script.name}; "
                f"it has {len(refs)} panels on {len(context.book.pages)} pages."
            )
        capabilities = {
            **self.backend.capabilities(),
            "identity": self.embedder_reason if self.embedder is None else "",
            "faceswap": self.repairer_reason if self.repairer is None else "",
        }
        state = state.model_copy(
            update={
                "title": context.book.title,
                "script": str(options.script),
                "style": context.style.model_dump(),
                "options": {k: str(v) if isinstance(v, Path) else v for k, v in options.__dict__.items()},
                "capabilities": capabilities,
            }
        )
        plates = self._plates(context, options, store, state)
        store.save_book(state)
        parallel = int(getattr(self.backend, "parallel", 1) or 1)
        runner = PanelRunner(
            self.backend,
            store,
            self.gates,
            *_serialised(self.embedder, self.repairer, parallel > 1),
            capabilities.get("restore", ""),
            reference_embeddings=self._reference_embeddings(context),
        )
        if parallel > 1:
            runner.scorer = _locked(runner.scorer)
        only_page = options.regenerate.page if options.regenerate is not None else None
        identify = (
            face_identifier(self.embedder, runner.reference_embeddings, self.gates.identity_threshold)
            if self.embedder
            else None
        )
        pages = _PageComposer(
            context.book, options.out_dir, self.on_event, only_page, ComposeOptions(identify=identify)
        )
        jobs = self.plan_jobs(context, options, store, plates)
        if parallel > 1:
            generated, reused, records = self._run_panels_parallel(
                runner, jobs, options, store, parallel, pages.panel_done
            )
        else:
            generated, reused, records = self._run_panels(runner, jobs, options, store)
        art = {(r.page, r.panel): options.out_dir / r.image for r in records if r.image}
        outputs, warnings, _page_images = compose_and_export(
            context.book,
            art,
            options.out_dir,
            options.formats,
            only_page=only_page,
            options=ComposeOptions(identify=identify),
            reuse_pages=pages.composed,
        )
        warnings = [*pages.warnings, *warnings]
        exported = f"exported {', '.join(sorted(outputs))} into {options.out_dir / 'book'}"
        self.on_event(BuildEvent(BuildEventKind.EXPORT, exported))
        figures = _figures(
            records,
            [Image.open(options.out_dir / r.image) for r in records if r.image],
            generated,
            time.perf_counter() - started,
        )
        state = state.model_copy(update={"figures": figures, "outputs": outputs})
        store.save_book(state)
        report = write_report(options.out_dir, context.book, records, state, warnings)
        self.on_event(BuildEvent(BuildEventKind.REPORT, f"report: {report}"))
        return BuildResult(options.out_dir, records, generated, reused, outputs, report, figures, warnings)

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

    def _plates(
        self, context: BookContext, options: BuildOptions, store: StateStore, state: BookState
    ) -> dict[str, Image.Image]:
        """The plate of every location a panel uses: the library's plate.png; else its first reference image
        redrawn in the book's style (img2img_restyle, so the place looks like the photo); else generated from its
        prompt (background workflow). Made once per build and kept in OUT/locations/."""
        sizes: dict[str, list[tuple[int, int]]] = {}
        by_id: dict[str, Location] = {}
        for page, layout in zip(context.book.pages, context.layouts):
            for panel, slot in zip(page.panels, layout.slots):
                location = context.location_of.get(PanelRef(page.number, panel.number))
                if location is not None:
                    by_id[entry_id(location.name)] = location
                    sizes.setdefault(entry_id(location.name), []).append(panel_size(slot, max_side=options.max_side))
        plates: dict[str, Image.Image] = {}
        for key, location in by_id.items():
            if location.plate_path is not None and location.plate_path.is_file():
                plates[key] = Image.open(location.plate_path).convert("RGB")
                state.plates[key] = {"file": str(location.plate_path), "source": "library"}
                continue
            width, height = plate_size(sizes[key])
            seed = (
                location.seed
                if location.seed is not None
                else base_seed(context.book.title, PanelRef(0, 0)) ^ hash_text(key)
            )
            prompt = assemble_prompt_for_plate(context.style, location)
            references = location.reference_paths()
            source = cover_crop(Image.open(references[0]).convert("RGB"), (width, height)) if references else None
            request = GenerationRequest(
                workflow="img2img_restyle" if source else "background",
                positive=prompt[0],
                negative=prompt[1],
                seed=seed,
                width=width,
                height=height,
                steps=options.steps,
                cfg=options.cfg,
                checkpoint=options.checkpoint,
                init_image=source,
                strength=location.strength if source else None,
                family=_family(options, context.style, "img2img_restyle" if source else "background"),
            )
            print_key = fingerprint(
                {
                    **{k: v for k, v in request.__dict__.items() if k != "init_image"},
                    "reference": hashlib.sha256(source.tobytes()).hexdigest() if source else None,
                }
            )
            path = store.out / "locations" / f"{key}.png"
            known = state.plates.get(key, {})
            if known.get("fingerprint") == print_key and path.is_file():
                plates[key] = Image.open(path).convert("RGB")
                continue
            result = self.backend.generate(request)
            path.parent.mkdir(parents=True, exist_ok=True)
            result.image.save(path)
            stamp_output(path, restyled(references[0] if source else None, "location plate", seed=seed))  # C2PA
            plates[key] = result.image
            state.plates[key] = {
                "file": store.relative(path),
                "source": f"redrawn from {references[0].name}" if source else "generated",
                "seed": seed,
                "fingerprint": print_key,
                "prompt": prompt[0],
                "width": width,
                "height": height,
                "prompt_id": result.prompt_id,
            }
            plate = f"location plate {location.name}: {width}x{height}, seed {seed}"
            self.on_event(BuildEvent(BuildEventKind.PLATE, plate))
        return plates


class _PageComposer:
    """Composes each page as soon as all its panels have art (parallel builds), so finished pages appear
    while the rest of the book is still being drawn; the export then reuses them."""

    def __init__(
        self,
        book: Any,
        out_dir: Path,
        on_event: Callable[[BuildEvent], None],
        only_page: int | None,
        compose_options: Any = None,
    ) -> None:
        self.book, self.out_dir, self.on_event, self.only_page = book, out_dir, on_event, only_page
        self.compose_options = compose_options
        self.art: dict[tuple[int, int], Path] = {}
        self.composed: set[int] = set()
        self.warnings: list[str] = []
        self._lock = threading.Lock()

    def panel_done(self, record: PanelRecord) -> None:
        with self._lock:
            if record.image:
                self.art[(record.page, record.panel)] = self.out_dir / record.image
            page = next((p for p in self.book.pages if p.number == record.page), None)
            if (
                page is None
                or (self.only_page is not None and page.number != self.only_page)
                or page.number in self.composed
            ):
                return
            if all((page.number, panel.number) in self.art for panel in page.panels):
                from .pages import compose_page_file

                self.warnings.extend(
                    compose_page_file(self.book, page.number, self.art, self.out_dir, self.compose_options)
                )
                self.composed.add(page.number)
                self.on_event(BuildEvent(BuildEventKind.PAGE, f"page {page.number} composed"))


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


def assemble_prompt_for_plate(style: StylePreset, location: Location) -> tuple[str, str]:
    from .prompts import join_fragments

    return (
        join_fragments(
            style.prompt, location.prompt or location.name, "wide establishing shot, detailed background, no humans"
        ),
        join_fragments(style.negative, location.negative, "person, people, character, crowd"),
    )


def hash_text(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _family(options: BuildOptions, style: StylePreset, workflow: str) -> str | None:
    """The model family a request names: the build's, else the style's; img2img restyles stay on SD1.5."""
    return None if workflow == "img2img_restyle" else (options.family or style.family)


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


def _figures(
    records: list[PanelRecord], images: list[Image.Image], generated: list[PanelRef], seconds: float
) -> dict[str, Any]:
    from ..comic.grading import measure_grade_consistency, page_consistency

    fresh = [r for r in records if PanelRef(r.page, r.panel) in generated]
    outlier = None
    if len(images) > 2:
        scores = page_consistency(images)
        index = min(range(len(scores)), key=scores.__getitem__)
        pictured = [r for r in records if r.image]  # `images` holds only the panels that have art, in this order
        outlier = f"page {pictured[index].page} panel {pictured[index].panel} ({scores[index]:.3f})"
    overheads = [r.app_overhead_ms for r in fresh if r.app_overhead_ms is not None]
    transport = [a.app_overhead_ms for r in fresh for a in r.attempts if a.app_overhead_ms is not None]
    return {
        "panels": len(records),
        "generated": len(fresh),
        "style_consistency": round(measure_grade_consistency(images), 4) if images else None,
        "style_outlier": outlier,
        "identity_pass_rate": _rate([r.identity_passed for r in records]),
        "quality_pass_rate": _rate([r.quality_passed for r in records]),
        "retries": sum(r.retries for r in records),
        "repairs": sum(r.repairs for r in records),
        "orchestration_ms_per_panel": round(sum(overheads) / len(overheads), 2) if overheads else None,
        "app_cpu_ms_per_panel": _mean([r.app_cpu_ms for r in fresh]),
        "transport_ms_per_run": round(sum(transport) / len(transport), 2) if transport else None,
        "comfy_execution_s": round(sum(r.comfy_execution_s or 0.0 for r in fresh), 3),
        "wall_s": round(seconds, 3),
    }


def _mean(values: list[float | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(sum(measured) / len(measured), 2) if measured else None


def _rate(values: list[bool | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(sum(measured) / len(measured), 4) if measured else None
