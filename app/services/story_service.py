"""The writers' room use cases: draft a script from a story file, check a script's coherence, and
the `story` batch-job handler. The CLI, the UI and the queue call these, never app/story directly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..config import Config
from ..errors import InkframeError
from ..llm import ChatClient, LLMSettings, LLMStatusError
from ..story.checks import CheckReport, DialogueBudget

if TYPE_CHECKING:
    from ..jobs.models import Job, JobOutput
    from ..story.embed import Embedder
    from ..story.loop import WritersRoomResult

log = logging.getLogger(__name__)
_EMBEDDER: Embedder | None = None


class StoryError(InkframeError):
    """A story request that cannot run (missing file, bad parameter)."""


def shared_embedder() -> Embedder:
    """One embedding model per process (it takes seconds to load)."""
    global _EMBEDDER
    if _EMBEDDER is None:
        from ..story.embed import MiniLMEmbedder

        _EMBEDDER = MiniLMEmbedder()
    return _EMBEDDER


def read_story(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoryError(f"the story file {path} does not exist; check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoryError(
            f"cannot read the story file {path} ({exc.__class__.__name__}); save it as UTF-8 text."
        ) from None
    if not text.strip():
        raise StoryError(f"the story file {path} is empty; write some prose or an outline first.")
    return text


def _params(values: dict[str, Any]):
    from ..story.loop import WritersRoomParams

    try:
        return WritersRoomParams.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        label = f"story parameter {where}" if where else "story parameters"
        raise StoryError(f"{label}: {message[0].lower() + message[1:]}.") from None


def preflight(settings: LLMSettings) -> None:
    """Fail in one sentence before loading anything when the endpoint is absent or down."""
    with ChatClient(settings) as client:
        try:
            client.list_models()
        except LLMStatusError:
            pass  # some servers have no /models; the chat call will tell


def draft_story(
    config: Config,
    *,
    story_path: Path | None = None,
    story_text: str | None = None,
    pages: int,
    out_path: Path,
    llm_url: str | None = None,
    progress: Callable[[str], None] | None = None,
    embedder: Embedder | None = None,
    build_dir: Path | None = None,
    comfyui_url: str | None = None,
    panel_backend: Any = None,
    build_max_side: int | None = None,
    **options: Any,
) -> WritersRoomResult:
    """Draft a story (the file at `story_path`, or `story_text` as typed in the UI) into a script at
    `out_path`; `options` are further WritersRoomParams fields (bible_path, max_panels, seed ...).

    With `build_dir`, the generate step sends the drafted book through the book pipeline
    (`book_service.build_book`, resumable, so a revised page regenerates only what changed) on the
    ComfyUI at `comfyui_url` (or `panel_backend`, any PanelBackend)."""
    from ..story.loop import run_writers_room

    if (story_path is None) == (story_text is None):
        raise StoryError("give either a story file or the story text, not both or neither.")
    if story_path is not None:
        story_text = read_story(story_path)
        default_title = story_path.stem.replace("_", " ").replace("-", " ").title()
    else:
        default_title = None
    if not (story_text or "").strip():
        raise StoryError("the story is empty; write some prose or an outline first.")
    settings = LLMSettings.from_config(config.llm, url=llm_url)
    params = _params(
        {
            "story_text": story_text,
            "pages": pages,
            "out_path": out_path,
            "title": options.pop("title", None) or default_title,
            **options,
        }
    )
    preflight(settings)
    generate = None
    if build_dir is not None:
        generate = _book_generator(
            config, params.out_path, build_dir, comfyui_url, panel_backend, build_max_side, progress
        )
    return run_writers_room(
        params,
        settings,
        context_tokens=config.llm.context_tokens,
        embedder=embedder or shared_embedder(),
        progress=progress,
        generate=generate,
    )


def _book_generator(
    config: Config,
    script: Path,
    build_dir: Path,
    comfyui_url: str | None,
    backend: Any,
    max_side: int | None,
    progress: Callable[[str], None] | None,
) -> Callable[[Any], None]:
    """The writers' room's generate step: the drafted book -> the script file -> the book pipeline."""

    def generate(book: Any) -> None:
        from ..book.build_types import BuildOptions
        from ..comic.script import save_book
        from .book_service import build_book

        script.parent.mkdir(parents=True, exist_ok=True)
        save_book(book, script)
        options = BuildOptions(script=script, out_dir=build_dir, resume=True, max_side=max_side)
        say = (lambda event: progress(event.message)) if progress else None
        build_book(options, config, (comfyui_url or config.comfyui.url).rstrip("/"), backend=backend, on_event=say)

    return generate


def check_script_file(
    script_path: Path, *, bible_path: Path | None = None, budget: DialogueBudget | None = None
) -> CheckReport:
    """Coherence report of a script file; the bible defaults to `<stem>.bible.json` beside it."""
    from ..comic.script import load_book
    from ..story.bible import load_bible
    from ..story.checks import check_book

    book = load_book(script_path)
    if bible_path is None:
        beside = script_path.with_name(f"{script_path.stem}.bible.json")
        bible_path = beside if beside.is_file() else None
    bible = load_bible(bible_path) if bible_path is not None else None
    return check_book(book, bible, budget or DialogueBudget())


def run_story_job(job: Job, dependencies: dict[str, Job], context: Any) -> list[JobOutput]:
    """Local job kind `story`: parameters are WritersRoomParams fields (`story_text` or
    `story_path`, `pages`, ...; `out_path` is chosen here) plus optional `llm_url`.
    Registered with the queue by app/services/job_kinds.py. `context` is the
    worker's app.jobs.context.JobContext: its config (the worker's --config) and output folder."""
    from ..jobs.kinds import job_output_dir
    from ..jobs.models import JobOutput
    from ..story.loop import run_writers_room

    config, output_dir = context.config, context.output_dir
    values = dict(job.parameters)
    llm_url = values.pop("llm_url", None)
    if "story_path" in values:
        values["story_text"] = read_story(Path(values.pop("story_path")))
    folder = job_output_dir(output_dir, job.id)
    values["out_path"] = folder / "script.txt"
    params = _params(values)
    settings = LLMSettings.from_config(config.llm, url=llm_url)
    result = run_writers_room(params, settings, context_tokens=config.llm.context_tokens, embedder=shared_embedder())
    if result.failure:
        raise StoryError(result.failure)
    files = [(params.out_path, "file"), (params.grown_bible_path, "data")]
    return [
        JobOutput(node_id="story", filename=p.name, path=str(p.relative_to(output_dir)), kind=kind) for p, kind in files
    ]
