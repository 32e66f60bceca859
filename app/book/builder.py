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

import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from ..comic.compose import ComposeOptions
from ..comic.layout import layout_book
from ..comic.script import load_book
from ..quality import FaceEmbedder
from .backend import PanelBackend
from .build_types import BookContext, BuildEvent, BuildEventKind, BuildOptions, BuildResult
from .errors import BookError
from .gates import face_identifier
from .library import Character, find_entry, list_entries
from .page_step import _figures, _PageComposer
from .pages import compose_and_export
from .panel_runner import FaceRepairer, GateSettings, PanelRunner
from .panel_step import PanelStep, _locked, _serialised
from .plan import PanelRef, assign_locations, load_location_map
from .plate_step import PlateStep
from .report import write_report
from .state import StateStore
from .styles import resolve_style


class BookBuilder(PanelStep, PlateStep):
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
