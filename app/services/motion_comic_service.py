"""Motion comic from a script and its panel art: the use case behind `comic animate` and the UI's export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..comic.panel_images import find_panel_images
from ..comic.script import load_book
from ..errors import InkframeError
from ..motion.motion_comic import MotionComicOptions, MotionComicResult, render_motion_comic
from ..provenance import composed
from .provenance_service import stamp_output


@dataclass(frozen=True)
class AnimateRequest:
    script: Path
    out: Path
    panels: Path | None = None
    pages: list[int] | None = None
    clips: dict[tuple[int, int], Path] = field(default_factory=dict)
    options: MotionComicOptions = field(default_factory=MotionComicOptions)
    overwrite: bool = False


def parse_clip(spec: str) -> tuple[tuple[int, int], Path]:
    """'2:3=clip.mp4' -> ((2, 3), Path('clip.mp4'))."""
    try:
        where, path = spec.split("=", 1)
        page, panel = (int(part) for part in where.split(":"))
    except ValueError:
        raise InkframeError(f"clip {spec!r} is not PAGE:PANEL=FILE (e.g. 1:2=wave.mp4).") from None
    return (page, panel), Path(path)


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise InkframeError(f"size {text!r} is not WIDTHxHEIGHT (e.g. 1920x1080).") from None
    return width, height


def animate_script(request: AnimateRequest, on_frame: Callable[[int, int], None] | None = None) -> MotionComicResult:
    if request.out.exists() and not request.overwrite:
        raise InkframeError(f"{request.out} already exists; choose another --out or pass --overwrite.")
    if request.out.suffix.lower() not in (".mp4", ".mkv", ".mov", ".webm", ".gif"):
        raise InkframeError(f"output {request.out.name} needs a video extension (.mp4, .webm, .gif, .mkv or .mov).")
    book = load_book(request.script)
    images = find_panel_images(book, request.panels, script_dir=request.script.resolve().parent)
    result = render_motion_comic(
        book,
        images.paths,
        request.out,
        options=request.options,
        page_numbers=request.pages,
        panel_clips=request.clips,
        on_frame=on_frame,
    )
    if images.missing:
        result.warnings.insert(0, images.describe_missing())
    stamp_output(result.path, composed("motion comic", list(images.paths.values())))  # C2PA Content Credentials
    return result
