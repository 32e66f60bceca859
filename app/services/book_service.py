"""Build a whole comic book from a script (the use case behind `comic build` and the Comic tab).

    result = build_book(BuildOptions(script=Path("issue1.txt"), out_dir=Path("out")), config, url)

Wires the pieces of app/book to this installation: the ComfyUI backend (built-in workflows), the face
embedder for the identity gate (insightface's ArcFace when its model is installed; otherwise the gate is
off and the report says why), the face-swap repair (the face-swap models of the manifest; consent is
implied by the user's own character library and recorded in the picture's provenance), the gate
thresholds from `config.gates`, and the library from `config.app.library_dir`.

Runs in-process (panels -> pages -> export); as the queue's `book` job (`run_book_job`) every picture is a
`book_render` child job on the backend pool (`app.book.queue_backend.QueuePanelBackend`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from ..book.backend import PanelBackend
from ..book.build_types import DEFAULT_FORMATS, BuildEvent, BuildOptions, BuildResult
from ..book.builder import BookBuilder
from ..book.comfy_backend import ComfyBackend
from ..book.errors import BookError
from ..book.panel_runner import REPAIR_OPERATION, FaceRepairer, GateSettings
from ..config import Config
from ..errors import InkframeError
from ..quality import FaceEmbedder


def gate_settings(config: Config) -> GateSettings:
    gates = config.gates
    return GateSettings(
        identity_threshold=gates.identity_threshold,
        identity_retries=gates.identity_retries,
        identity_repairs=gates.identity_repairs,
        quality_threshold=gates.quality_threshold,
    )


def load_identity_embedder(config: Config) -> tuple[FaceEmbedder | None, str]:
    """The identity gate's embedder (`identity_service.AnalyzerEmbedder`, which embeds every face of a panel)."""
    from .identity_service import load_embedder

    return load_embedder(config)


class FaceSwapRepairer:
    """Puts a character's face from their reference images into a panel (the face-swap engine, in-process)."""

    def __init__(self, config: Config, service=None) -> None:
        from .faceswap_service import FaceSwapService

        self.service = service or FaceSwapService(config)

    def repair(self, image: Image.Image, references: Sequence[Path], character: str) -> Image.Image:
        from ..faceswap import (
            ROLE_DEFAULTS,
            FaceSwapError,
            ImageJob,
            Provenance,
            SelectionSettings,
            SwapSettings,
            load_rgb,
            resolve_selection,
            swap_image,
        )

        if not references:
            raise BookError(f"{character} has no reference images to repair the face from.")
        try:
            catalog_has_gfpgan = self.service.catalog.exists(ROLE_DEFAULTS["gfpgan"])
            engine = self.service.engine(enhancer=catalog_has_gfpgan)
            identity = engine.identity_from_images([(str(p), load_rgb(p)) for p in references])
            selection = resolve_selection(engine, SelectionSettings(selector="one", one_mode="largest"), None)
            settings = SwapSettings(
                selection=selection, enhancer="gfpgan" if catalog_has_gfpgan else "none", blend=0.8, smoothing=0.0
            )
            provenance = replace(Provenance.now(), operation=REPAIR_OPERATION)
            frame, _report = swap_image(
                engine,
                ImageJob(
                    f"the panel of {character}",
                    np.asarray(image.convert("RGB")),
                    identity,
                    settings,
                    None,
                    False,
                    provenance,
                ),
                self.service.gate(),
            )
        except FaceSwapError as exc:
            raise BookError(str(exc)) from None
        return Image.fromarray(frame)


def load_repairer(config: Config) -> tuple[FaceRepairer | None, str]:
    from ..faceswap import ROLE_DEFAULTS
    from .faceswap_service import load_catalog

    try:
        catalog = load_catalog(config)
    except (InkframeError, OSError, ValueError) as exc:  # a broken manifest turns the repair off, with the reason
        return None, f"the face-swap models cannot be listed ({exc})."
    name = ROLE_DEFAULTS["swapper"]
    if not catalog.exists(name):
        return (
            None,
            (
                f"the face-swap model {name} is not installed; "
                f"get it with `python scripts/download_models.py --only {name}`."
            ),
        )
    from .faceswap_service import FaceSwapService

    return FaceSwapRepairer(config, FaceSwapService(config, catalog=catalog)), ""


def build_book(
    options: BuildOptions,
    config: Config,
    backend_url: str,
    *,
    on_event: Callable[[BuildEvent], None] | None = None,
    backend: PanelBackend | None = None,
    embedder: FaceEmbedder | None = None,
    repairer: FaceRepairer | None = None,
    prompt_timeout: float | None = None,
) -> BuildResult:
    """Build (or resume, or regenerate one panel of) a book; raise an InkframeError with one sentence."""
    if options.library_dir is None:
        options = replace(options, library_dir=config.resolve(config.app.library_dir))
    embedder_reason = repairer_reason = ""
    if embedder is None:
        embedder, embedder_reason = load_identity_embedder(config)
    if repairer is None:
        repairer, repairer_reason = load_repairer(config)
    own = backend is None
    backend = backend or ComfyBackend(backend_url, timeouts=config.comfyui.timeouts, prompt_timeout=prompt_timeout)
    try:
        builder = BookBuilder(
            backend,
            gates=gate_settings(config),
            embedder=embedder,
            embedder_reason=embedder_reason,
            repairer=repairer,
            repairer_reason=repairer_reason,
            on_event=on_event,
        )
        return builder.build(options)
    finally:
        if own:
            backend.close()  # type: ignore[union-attr]


def make_sheet(
    name: str,
    config: Config,
    backend_url: str,
    *,
    photos: Sequence[Path] = (),
    style: str = "",
    seed: int | None = None,
    library_dir: Path | None = None,
    backend: PanelBackend | None = None,
    size: tuple[int, int] = (1024, 512),
    checkpoint: str | None = None,
    steps: int | None = None,
    controlnet: str | None = None,
    family: str | None = None,
):
    """A character sheet (turnaround + expressions from text, or the photos redrawn) for library character
    `name`, its cells saved as reference images, made with model family `family` (else the style's, else the
    backend's default); returns app.book.sheets.CharacterSheet."""
    from ..book.library import find_entry, list_entries
    from ..book.sheets import make_character_sheet
    from ..book.styles import resolve_style
    from ..workflows.family_choice import check_family

    family = check_family(family)  # an unknown family is one sentence before anything is read or contacted
    library = library_dir or config.resolve(config.app.library_dir)
    character = find_entry(list_entries(library, "characters"), name)
    if character is None:
        raise BookError(f"there is no character {name!r} in {library / 'characters'}; create its character.yaml first.")
    own = backend is None
    backend = backend or ComfyBackend(backend_url, timeouts=config.comfyui.timeouts)
    try:
        return make_character_sheet(
            backend,
            character,
            library,
            resolve_style(style, library),
            photos=photos,
            seed=seed,
            size=size,
            checkpoint=checkpoint,
            steps=steps,
            controlnet=controlnet,
            family=family,
        )
    finally:
        if own:
            backend.close()  # type: ignore[union-attr]


def run_book_job(job, dependencies, context):  # (Job, dict[str, Job], JobContext) -> list[JobOutput]
    """Local job kind `book`: a whole script built unattended on the persistent queue.

    Parameters: `script` (path), optional `out_dir` (a folder inside the output folder; default
    jobs/<job id>), `library` (folder; default the worker's app.library_dir),
    `max_side`, `steps`, `cfg`, `checkpoint`, `grade`, `formats`, `regenerate` ("PAGE:PANEL"), `seed`,
    `prompt` (with regenerate). Every picture is a `book_render` child job placed by the queue on its
    backends (QueuePanelBackend): per-backend slots, capability-aware placement, failover; the panels
    run in parallel and pages are composed as their panels finish. The build always resumes, so a job
    run again after a crash or a retry keeps every finished panel and finds its children again.
    `context` is the worker's JobContext: its config (`--config`), folders and backend pool."""
    import time

    from ..book.build_log import append_event, clear_summary, event_of, summary_of, write_summary
    from ..book.plan import PanelRef
    from ..book.queue_backend import QueuePanelBackend
    from ..jobs.kinds import job_output_dir
    from ..jobs.models import JobOutput

    config, output_dir = context.config, context.output_dir
    values = dict(job.parameters)
    folder = output_dir / values["out_dir"] if values.get("out_dir") else job_output_dir(output_dir, job.id)
    regenerate = PanelRef.parse(str(values["regenerate"])) if values.get("regenerate") else None
    options = BuildOptions(
        script=Path(values["script"]),
        out_dir=folder,
        resume=True,
        max_side=values.get("max_side"),
        library_dir=Path(values["library"]) if values.get("library") else context.library_dir,
        steps=values.get("steps"),
        cfg=values.get("cfg"),
        checkpoint=values.get("checkpoint"),
        grade=values.get("grade"),
        formats=tuple(values.get("formats") or DEFAULT_FORMATS),
        regenerate=regenerate,
        seed=values.get("seed"),
        prompt=values.get("prompt"),
        family=values.get("family"),
    )
    if regenerate is not None and not (folder / "build.json").is_file():
        options = replace(options, regenerate=None)  # nothing built yet: a full build draws that panel too
    backend = QueuePanelBackend(context, job)
    clear_summary(folder)

    def progress(event: BuildEvent) -> None:
        append_event(folder, event_of(job.id, event, time.time()))  # followed by `comic build` (app.book.build_log)
        from ..jobs.context import child_batch
        from ..jobs.models import JobQuery
        from .progress_service import MAX_CHILDREN, of_book

        children = context.store.list(JobQuery(batch_id=child_batch(job), limit=MAX_CHILDREN)).items
        fraction = of_book(job, children, output_dir).fraction  # panels done (+ running ones' steps) of those queued
        context.store.mutate(
            job.id,
            lambda cur: (
                cur.model_copy(
                    update={"progress_text": event.message[:200], "progress": max(cur.progress, min(fraction, 0.99))}
                )
                if cur.status == "running" and cur.prompt_id == job.prompt_id
                else None
            ),
        )

    result = build_book(options, config, config.comfyui.url, backend=backend, on_event=progress)
    write_summary(folder, summary_of(job.id, result))
    if result.failed:
        names = ", ".join(f"page {ref.page} panel {ref.panel}" for ref in result.failed)
        raise InkframeError(
            f"{len(result.failed)} panel(s) failed ({names}); see {result.report}; retry the job to build only those."
        )
    files = [folder / relative for paths in result.outputs.values() for relative in paths] + [result.report]
    if not folder.resolve().is_relative_to(output_dir.resolve()):
        return []  # a terminal user's own folder (`comic build --out DIR`): outputs name the output folder only
    return [
        JobOutput(node_id="book", filename=path.name, path=str(path.relative_to(output_dir)), kind="file")
        for path in files
    ]
