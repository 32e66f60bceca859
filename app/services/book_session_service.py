"""The Comic tab's use of the book builder: build (or resume, or regenerate one panel of) the book in the
script editor, streaming the builder's events, and read back each panel's record (image, prompt, seed,
scores) for the panel grid.

    for update in run_build(config, url, script_text, out_dir):   # BuildUpdate(message, done, result, error)
        ...
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import InkframeError

POLL_S = 0.5


@dataclass(frozen=True)
class BuildUpdate:
    message: str
    done: bool = False
    result: Any = None
    error: str | None = None


@dataclass(frozen=True)
class PanelView:
    page: int
    panel: int
    status: str
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
        identity = ", ".join(f"{score.character} {score.similarity:.2f}" for score in record.identity
                             if getattr(score, "similarity", None) is not None) if record.identity else ""
        image = Path(out_dir) / record.image if record.image else None
        views.append(PanelView(record.page, record.panel, record.status, image if image and image.is_file() else None,
                               record.positive, record.seed, identity, record.quality, tuple(record.notes)))
    return sorted(views, key=lambda view: (view.page, view.panel))


def run_build(config: Config, url: str, script_text: str, out_dir: Path, *, regenerate: str | None = None,
              seed: int | None = None, prompt: str | None = None, resume: bool = True,
              checkpoint: str | None = None) -> Iterator[BuildUpdate]:
    """Build in a thread and yield each builder event as it happens, then the result (or the error sentence)."""
    from ..book.builder import BuildOptions
    from ..book.plan import PanelRef
    from .book_service import build_book

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    script = out_dir / "script.txt"
    script.write_text(script_text, encoding="utf-8")
    try:
        ref = PanelRef.parse(regenerate) if regenerate else None
    except InkframeError as exc:
        yield BuildUpdate(str(exc), done=True, error=str(exc))
        return
    options = BuildOptions(script=script, out_dir=out_dir, resume=resume or ref is not None, regenerate=ref,
                           seed=seed if ref else None, prompt=prompt or None if ref else None, checkpoint=checkpoint or None)
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = build_book(options, config, url, on_event=lambda event: events.put(event.message))
        except InkframeError as exc:
            outcome["error"] = str(exc)
        finally:
            events.put(None)

    thread = threading.Thread(target=work, name="inkframe-book-build", daemon=True)
    thread.start()
    while True:
        try:
            message = events.get(timeout=POLL_S)
        except queue.Empty:
            yield BuildUpdate("")  # a heartbeat: the caller refreshes the panel grid
            continue
        if message is None:
            break
        yield BuildUpdate(message)
    thread.join()
    if "error" in outcome:
        yield BuildUpdate(outcome["error"], done=True, error=outcome["error"])
    else:
        yield BuildUpdate("the book is built", done=True, result=outcome.get("result"))
