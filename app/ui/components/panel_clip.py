"""'Make a clip' under the Comic tab's panel strip: the picked panel becomes a short video on ComfyUI
(panel_clip_service.make_clip: Wan 2.2 14B image to video, else TI2V-5B, else SVD), with a live log line."""

from __future__ import annotations

import html
import queue
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import capability_service, panel_clip_service, progress_service
from ...services import comic_workspace_service as workspace
from ...services.compose_service import ComposeDraft
from ..context import UiContext
from ..notices import error_html, notice_html
from . import backend_notice

DEFAULT_SECONDS = 3.0
_w: dict[str, Any] = {}


@dataclass(frozen=True)
class ClipLine:
    text: str


@dataclass(frozen=True)
class ClipDone:
    report: panel_clip_service.ClipReport


@dataclass(frozen=True)
class ClipFailed:
    message: str


ClipMessage = ClipLine | ClipDone | ClipFailed


def render(context: UiContext) -> None:
    with gr.Accordion("Make a clip of the picked panel (ComfyUI)", open=False, elem_id="comic-clip"):
        backend_notice.render("comic-clip")  # which video model makes the clip, or what to download for one
        with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
            _w["prompt"] = gr.Textbox(
                label="What moves (Wan 2.2 only, optional)", scale=3, max_lines=3, elem_id="comic-clip-prompt"
            )
            _w["seconds"] = gr.Number(
                DEFAULT_SECONDS,
                minimum=0.5,
                maximum=panel_clip_service.MAX_CLIP_SECONDS,
                label="Seconds",
                scale=1,
                min_width=90,
                elem_id="comic-clip-seconds",
            )
            _w["make"] = gr.Button("Make a clip", scale=1, elem_id="comic-clip-make")
        _w["status"] = gr.HTML("", elem_id="comic-clip-status")
        _w["video"] = gr.Video(label="Clip", interactive=False, elem_id="comic-clip-video")


def panel_art(context: UiContext, script: str | None, draft: ComposeDraft | None, ref: str | None) -> Path | None:
    """The art file of panel `ref` ('page:panel'), or None when the panel is unknown or has no art yet."""
    card = next(
        (c for c in workspace.panel_cards(context.output_dir, script, draft) if c.ref == (ref or "").strip()), None
    )
    return card.image if card is not None else None


def make(
    context: UiContext,
    script: str | None,
    draft: ComposeDraft | None,
    ref: str | None,
    prompt: str,
    seconds: float | None,
):
    """Stream the run: the newest log line, then the clip (or one sentence)."""
    art = panel_art(context, script, draft, ref)
    if art is None:
        yield [error_html("Pick a panel that has art in the strip first (build the book or that panel)."), None]
        return
    blocker = capability_service.capability_blocker(capability_service.check(context.comfyui_url), "image_to_video")
    if blocker:  # nothing is uploaded or started on a backend without a video model
        yield [error_html(f"{blocker} The notice above says how to get a video model."), None]
        return
    name = (ref or "").strip().replace(":", "-")
    out = context.output_dir / "clips" / f"panel{name}-{uuid.uuid4().hex[:8]}.mp4"
    request = panel_clip_service.ClipRequest(art, out, prompt=prompt or "", seconds=float(seconds or DEFAULT_SECONDS))
    messages: queue.Queue[ClipMessage] = queue.Queue()
    step_line = progress_service.event_reader()

    def report_step(event: object) -> None:
        line = step_line(event)
        if line:
            messages.put(ClipLine(line))

    def work() -> None:
        outcome: ClipMessage = ClipFailed("the clip run ended without a result.")
        try:
            outcome = ClipDone(
                panel_clip_service.make_clip(
                    request, context.comfyui_url, timeouts=context.config.comfyui.timeouts, on_event=report_step
                )
            )
        except InkframeError as exc:
            outcome = ClipFailed(str(exc))
        finally:
            messages.put(outcome)

    threading.Thread(target=work, name="inkframe-panel-clip", daemon=True).start()
    yield [notice_html(f"Working: panel {html.escape(ref or '')} …", ok=True), None]
    while isinstance(message := messages.get(), ClipLine):
        yield [notice_html("Working: " + html.escape(message.text), ok=True), None]
    if isinstance(message, ClipFailed):
        yield [error_html(message.message), None]
        return
    report = message.report
    yield [
        notice_html(
            f"{html.escape(report.choice.sentence())} {report.frames} frames at {float(report.fps):g} fps, "
            f"{report.width} x {report.height} → {html.escape(str(report.out))}",
            ok=True,
        ),
        str(report.out),
    ]


def listen(context: UiContext, script: Any, draft: Any, ref: Any) -> None:
    _w["make"].click(
        lambda *a: (yield from make(context, *a)),
        inputs=[script, draft, ref, _w["prompt"], _w["seconds"]],
        outputs=[_w["status"], _w["video"]],
    )
