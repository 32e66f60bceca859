"""The Motion tab: a reference video drives a target image. Pick the method, preview the poses found in
the reference (runs here, no ComfyUI), then run pose animation or portrait animation on ComfyUI with a
live log. The workflows behind it are also offered as forms below."""

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
from ..context import UiContext
from ..notices import error_html, notice_html
from . import backend_notice, workflow_form

WORKFLOWS = ["pose_animation", "portrait_animation", "pose_extraction"]
METHOD_LABELS = {
    "pose-preview": "Pose preview (here, no ComfyUI)",
    "pose": "Pose animation (ComfyUI)",
    "portrait": "Portrait animation (ComfyUI)",
}
ENGINE_LABELS = {
    "auto": "Auto: Wan 2.2 Fun Control when the backend has it, else AnimateDiff",
    "wan": "Wan 2.2 14B Fun Control",
    "animatediff": "AnimateDiff + ControlNet + IPAdapter",
}
_w: dict[str, Any] = {}


@dataclass(frozen=True)
class RunLine:
    """A log line from the worker thread (a frame count, a ComfyUI event)."""

    text: str


@dataclass(frozen=True)
class RunDone:
    report: Any  # motion_service.MotionReport


@dataclass(frozen=True)
class RunFailed:
    message: str


RunMessage = RunLine | RunDone | RunFailed


def render(context: UiContext) -> None:
    backend_notice.render("motion")
    from ...services.motion_service import MOTION_METHODS, POSE_ENGINES

    with gr.Row():
        _w["reference"] = gr.File(
            label="Reference video (the motion)", file_types=["video"], type="filepath", elem_id="motion-reference"
        )
        _w["target"] = gr.Image(
            label="Target image (the character)", type="filepath", height=240, elem_id="motion-target"
        )
    _w["method"] = gr.Radio(
        [(METHOD_LABELS.get(m, m), m) for m in MOTION_METHODS],
        value="pose-preview",
        label="Method",
        elem_id="motion-method",
    )
    _w["engine"] = gr.Radio(
        [(ENGINE_LABELS.get(e, e), e) for e in POSE_ENGINES],
        value="auto",
        label="Pose animation engine",
        visible=False,
        elem_id="motion-engine",
    )
    with gr.Row():
        _w["trim"] = gr.Textbox(label="Trim (START:END seconds, empty: all)", placeholder="0:4", elem_id="motion-trim")
        _w["stride"] = gr.Number(
            1, precision=0, minimum=1, maximum=8, label="Use every Nth frame", elem_id="motion-stride"
        )
        _w["chunk"] = gr.Checkbox(False, label="Long clip: run in overlapping chunks", elem_id="motion-chunk")
    _w["run"] = gr.Button("Run", variant="primary", elem_id="motion-run")
    _w["status"] = gr.HTML("", elem_id="motion-status")
    _w["video"] = gr.Video(label="Result / pose preview", interactive=False, elem_id="motion-video")
    with gr.Accordion("Motion workflows as forms (queued)", open=False):
        workflow_form.render(context, "motion", WORKFLOWS)


def run(
    context: UiContext,
    reference: str | None,
    target: str | None,
    method: str,
    trim: str,
    stride: float,
    chunk: bool,
    engine: str = "auto",
):
    """Stream the run: a log line per event, then the video."""
    from ...services import motion_service, progress_service
    from ...services.motion_service import TimeRange

    if not reference:
        yield [error_html("Upload a reference video first."), None]
        return
    out = (
        context.output_dir
        / "motion"
        / uuid.uuid4().hex[:10]
        / ("poses.mp4" if method == "pose-preview" else "motion.mp4")
    )
    try:
        request = motion_service.MotionRequest(
            reference=Path(reference),
            out=out,
            method=method,
            target=Path(target) if target else None,
            trim=TimeRange.parse(trim) if trim and trim.strip() else None,
            stride=int(stride or 1),
            chunk=bool(chunk),
            engine=engine if method == "pose" else "auto",  # the engine choice shows for the pose method only
        )
    except InkframeError as exc:
        yield [error_html(str(exc)), None]
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    messages: queue.Queue[RunMessage] = queue.Queue()
    step_line = progress_service.event_reader()  # 'KSampler (node 3) step 5/20 · about 6 s left'

    def work() -> None:
        outcome: RunMessage = RunFailed("the motion run ended without a result.")
        try:
            if method == "pose-preview":
                outcome = RunDone(
                    motion_service.run_pose_preview(
                        request, on_frame=lambda n: messages.put(RunLine(f"frame {n}")) if n % 10 == 0 else None
                    )
                )
            else:
                outcome = RunDone(
                    motion_service.run_on_comfyui(
                        request,
                        context.comfyui_url,
                        timeouts=context.config.comfyui.timeouts,
                        on_event=lambda event: (line := step_line(event)) and messages.put(RunLine(line)),
                    )
                )
        except InkframeError as exc:
            outcome = RunFailed(str(exc))
        finally:
            messages.put(outcome)

    threading.Thread(target=work, name="inkframe-motion", daemon=True).start()
    log: list[str] = []
    while isinstance(message := messages.get(), RunLine):
        log.append(message.text)
        yield [notice_html("Working: " + html.escape(log[-1]), ok=True), None]
    if isinstance(message, RunFailed):
        yield [error_html(message.message), None]
        return
    report = message.report
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in report.notes)
    video = report.preview if method == "pose-preview" and report.preview else report.out
    made_with = f" with {report.workflow}" if report.workflow else ""
    yield [
        f'<div class="inkframe-ok"><p>Done: {report.frames} frames{html.escape(made_with)} → '
        f"<code>{html.escape(str(video))}</code></p>"
        f"<ul>{notes}</ul></div>",
        str(video),
    ]


def listen(context: UiContext) -> None:
    w = _w
    w["run"].click(
        lambda *a: (yield from run(context, *a)),
        inputs=[w["reference"], w["target"], w["method"], w["trim"], w["stride"], w["chunk"], w["engine"]],
        outputs=[w["status"], w["video"]],
    )
    w["method"].change(lambda method: gr.update(visible=method == "pose"), inputs=w["method"], outputs=w["engine"])
