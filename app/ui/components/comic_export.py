"""Export the composed pages: PNG pages, PDF, CBZ, webtoon strip, contact sheet, motion comic."""

from __future__ import annotations

import html
import time
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import compose_service
from ...services.choices import EXPORT_FORMATS, slugify
from ...services.compose_service import ComposeDraft
from ..context import UiContext
from ..core import get_ui_component, register_preset_field
from ..notices import error_html, notice_html

FORMAT_LABELS = {
    "png": "PNG pages",
    "pdf": "PDF",
    "cbz": "CBZ (with ComicInfo.xml)",
    "webtoon": "Webtoon strip",
    "contact": "Contact sheet",
}
_w: dict[str, Any] = {}


def render(context: UiContext) -> None:
    gr.Markdown("Export the pages composed above. Files are written under the output folder and offered for download.")
    _w["formats"] = gr.CheckboxGroup(
        [(FORMAT_LABELS.get(f, f), f) for f in EXPORT_FORMATS], value=["pdf"], label="Formats", elem_id="export-formats"
    )
    register_preset_field("comic.export_formats", _w["formats"])
    _w["motion"] = gr.Checkbox(
        False,
        label=f"Motion comic (MP4, {compose_service.MOTION_COMIC_SIZE[0]}x{compose_service.MOTION_COMIC_SIZE[1]}: "
        "the camera moves from panel to panel)",
        elem_id="export-motion",
    )
    register_preset_field("comic.export_motion", _w["motion"])
    _w["export"] = gr.Button("Export", variant="primary", elem_id="export-button")
    _w["status"] = gr.HTML("", elem_id="export-status")
    _w["files"] = gr.File(label="Exported files", file_count="multiple", interactive=False, elem_id="export-files")


def export(
    context: UiContext, draft: ComposeDraft | None, formats: list[str], motion: bool, progress=gr.Progress()
) -> list[Any]:
    if draft is None:
        return [error_html("Compose pages first (Pages, above)."), None]
    if not formats and not motion:
        return [error_html("Choose at least one export format."), None]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_dir = context.output_dir / "comics" / f"{slugify(draft.book.title)}-{stamp}"
    progress(0.05, desc="Composing and writing pages")
    files: dict[str, list] = {}
    try:
        if formats:
            files = compose_service.export_draft(draft, list(formats), out_dir)
        if motion:

            def on_frame(done: int, total: int) -> None:
                if done % 15 == 0 or done == total:
                    progress(done / max(1, total), desc=f"motion comic: frame {done} of {total}")

            path, seconds, _ = compose_service.export_motion_comic(
                draft, out_dir / f"{slugify(draft.book.title)}-motion.mp4", on_frame=on_frame
            )
            files["motion comic"] = [path]
    except InkframeError as exc:
        return [error_html(str(exc)), None]
    chosen = [*formats, *(["motion comic"] if motion else [])]
    paths = [path for fmt in chosen for path in files.get(fmt, [])]
    summary = ", ".join(f"{len(files.get(fmt, []))} {fmt}" for fmt in chosen)
    return [
        notice_html(f"Exported {html.escape(summary)} into <code>{html.escape(str(out_dir))}</code>.", ok=True),
        [str(path) for path in paths],
    ]


def listen(context: UiContext) -> None:
    draft = get_ui_component("comic_draft")
    _w["export"].click(
        lambda d, f, m, progress=gr.Progress(): export(context, d, f, m, progress),
        inputs=[draft, _w["formats"], _w["motion"]],
        outputs=[_w["status"], _w["files"]],
    )
