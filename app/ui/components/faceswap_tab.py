"""The Face swap tab: source face(s) onto a target image or video. Find the faces in the target and pick
the one to replace, choose the selector, enhancer and blend, confirm consent, preview one frame, then run."""

from __future__ import annotations

import html
import uuid
from pathlib import Path
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import face_pick_service
from ...services.choices import ENHANCERS, GENDERS, ONE_MODES, SELECTORS
from ...services.faceswap_form import FaceSwapForm
from ...services.faceswap_service import FaceSwapService
from ..context import UiContext
from ..core import register_page_load, register_preset_field
from ..notices import error_html, notice_html

SELECTOR_LABELS = {"reference": "The face I pick below", "one": "One face (by rule)", "many": "Every face"}
CONSENT_LABEL = "I confirm that the people whose faces are used and shown have given their consent."
_w: dict[str, Any] = {}
_service: dict[int, FaceSwapService] = {}


def render(context: UiContext) -> None:
    gr.Markdown(
        "Put the face from the source picture(s) onto a target image or video. "
        "Runs on this computer; no ComfyUI needed."
    )
    _w["models"] = gr.HTML("", elem_id="faceswap-models")
    with gr.Row():
        _w["sources"] = gr.File(
            label="Source face(s)",
            file_count="multiple",
            file_types=["image"],
            type="filepath",
            elem_id="faceswap-sources",
        )
        _w["target"] = gr.File(
            label="Target image or video", file_types=["image", "video"], type="filepath", elem_id="faceswap-target"
        )
    with gr.Row(equal_height=False, elem_classes=["inkframe-toolbar"]):
        _w["at"] = gr.Number(0.0, label="Frame time for videos (seconds)", minimum=0, elem_id="faceswap-at", scale=2)
        _w["find"] = gr.Button("Find faces in the target", size="sm", scale=1, elem_id="faceswap-find")
    _w["faces"] = gr.Gallery(
        label="Faces in the target (click one to replace it)",
        columns=8,
        height="auto",
        allow_preview=False,
        interactive=False,
        elem_id="faceswap-faces",
    )
    _w["picked"] = gr.State(None)
    _w["frame"] = gr.State(None)
    with gr.Row():
        _w["selector"] = gr.Radio(
            [(SELECTOR_LABELS[s], s) for s in SELECTORS],
            value="one",
            label="Which faces to replace",
            elem_id="faceswap-selector",
        )
        _w["one_mode"] = gr.Dropdown(
            list(ONE_MODES), value="largest", label="Rule for one face", elem_id="faceswap-one-mode"
        )
        _w["face_index"] = gr.Number(
            0, precision=0, minimum=0, label="Face index (rule: index)", elem_id="faceswap-index"
        )
    with gr.Accordion("Filters and matching", open=False):
        with gr.Row():
            _w["distance"] = gr.Slider(
                0.1, 2.0, value=0.9, step=0.05, label="Reference match distance (lower is stricter)"
            )
            _w["gender"] = gr.Dropdown(list(GENDERS), value="any", label="Gender")
            _w["min_age"] = gr.Number(None, precision=0, minimum=0, label="Minimum age")
            _w["max_age"] = gr.Number(None, precision=0, minimum=0, label="Maximum age")
    with gr.Row():
        _w["enhancer"] = gr.Radio(list(ENHANCERS), value="gfpgan", label="Face enhancer", elem_id="faceswap-enhancer")
        _w["blend"] = gr.Slider(0, 1, value=0.8, step=0.05, label="Enhancer blend", elem_id="faceswap-blend")
        _w["smoothing"] = gr.Slider(
            0, 1, value=0.6, step=0.05, label="Temporal smoothing (video)", elem_id="faceswap-smoothing"
        )
    for key in ("selector", "one_mode", "distance", "gender", "enhancer", "blend", "smoothing"):
        register_preset_field(f"faceswap.{key}", _w[key])
    _w["consent"] = gr.Checkbox(False, label=CONSENT_LABEL, elem_id="faceswap-consent")  # never part of a preset
    with gr.Row():
        _w["preview_button"] = gr.Button("Preview one frame", elem_id="faceswap-preview-button")
        _w["run"] = gr.Button("Run on the whole target", variant="primary", elem_id="faceswap-run")
    _w["status"] = gr.HTML("", elem_id="faceswap-status")
    with gr.Row():
        _w["preview"] = gr.Image(
            label="Preview", type="filepath", interactive=False, elem_id="faceswap-preview", height=360
        )
        _w["result"] = gr.File(label="Result", interactive=False, elem_id="faceswap-result")


def _work_dir(context: UiContext) -> Path:
    return context.output_dir / "faceswap" / uuid.uuid4().hex[:10]


def service(context: UiContext) -> FaceSwapService:
    key = id(context)
    if key not in _service:
        _service[key] = FaceSwapService(context.config)
    return _service[key]


def models_notice(context: UiContext) -> str:
    try:
        missing = face_pick_service.missing_models(context.config)
    except InkframeError as exc:
        return error_html(str(exc))
    if not missing:
        return notice_html("Face-swap models are in place.", ok=True)
    return notice_html(
        f"<b>Face-swap models missing:</b> {html.escape(', '.join(missing))}. Finding faces works; swapping "
        "needs them — download them in Settings → Models."
    )


def find_faces(context: UiContext, target: str | None, at: float) -> list[Any]:
    if not target:
        return [[], None, None, error_html("Upload a target image or video first.")]
    work = _work_dir(context)
    try:
        frame = face_pick_service.target_frame(Path(target), work, float(at or 0))
        faces = face_pick_service.detect_faces(context.config, frame, work)
    except InkframeError as exc:
        return [[], None, None, error_html(str(exc))]
    if not faces:
        return [
            [],
            None,
            str(frame),
            error_html("No face was found in that frame; try another frame time or a clearer picture."),
        ]
    items = [(str(face.crop), f"face {face.index + 1}") for face in faces]
    return [
        items,
        None,
        str(frame),
        notice_html(f"Found {len(faces)} face(s). Click one to replace only that person.", ok=True),
    ]


def pick_face(gallery: list, evt: gr.SelectData) -> list[Any]:
    item = gallery[evt.index] if gallery and evt.index is not None else None
    path = (
        item[0]
        if isinstance(item, (list, tuple))
        else (item.get("image", {}).get("path") if isinstance(item, dict) else None)
    )
    if not path:
        return [None, gr.update(), error_html("That face could not be picked; find faces again.")]
    return [
        path,
        "reference",
        notice_html(f"Face {evt.index + 1} picked as the reference: only faces like it are replaced.", ok=True),
    ]


def run_preview(context: UiContext, frame: str | None, at: float, *values: Any) -> list[Any]:
    work = _work_dir(context)
    try:
        request = FaceSwapForm.from_values(values).request(work / "unused.png")
        shot = Path(frame) if frame else face_pick_service.target_frame(request.target, work, float(at or 0))
        result = face_pick_service.preview(service(context), request, shot, work)
    except InkframeError as exc:
        return [None, error_html(str(exc))]
    return [str(result.out), notice_html(f"Preview: {result.faces_swapped} face(s) swapped in this frame.", ok=True)]


def run_full(context: UiContext, *values: Any, progress=gr.Progress()) -> list[Any]:
    try:
        form = FaceSwapForm.from_values(values)
    except InkframeError as exc:
        return [None, error_html(str(exc))]
    target = form.target
    suffix = Path(target).suffix.lower() if target else ".png"
    out_suffix = (
        suffix if face_pick_service.is_image(Path(target or "x.png")) else (".webm" if suffix == ".webm" else ".mp4")
    )
    work = _work_dir(context)
    try:
        request = form.request(work / f"faceswap{out_suffix}")
        work.mkdir(parents=True, exist_ok=True)
        result = service(context).swap(
            request, progress=lambda p: progress(p.done / max(1, p.total), desc=f"frame {p.done} of {p.total}")
        )
    except InkframeError as exc:
        return [None, error_html(str(exc))]
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    text = (
        f"Done: {result.faces_swapped} face(s) swapped."
        if result.kind == "image"
        else f"Done: {result.frames_swapped} of {result.frames} frames swapped in {result.seconds:.1f} s."
    )
    return [str(result.out), f'<div class="inkframe-ok"><p>{html.escape(text)}</p><ul>{notes}</ul></div>']


def listen(context: UiContext) -> None:
    w = _w
    w["find"].click(
        lambda t, a: find_faces(context, t, a),
        inputs=[w["target"], w["at"]],
        outputs=[w["faces"], w["picked"], w["frame"], w["status"]],
    )
    w["target"].change(lambda _t: (None, None, []), inputs=w["target"], outputs=[w["picked"], w["frame"], w["faces"]])
    w["faces"].select(pick_face, inputs=w["faces"], outputs=[w["picked"], w["selector"], w["status"]])
    fields = [w[name] for name in FaceSwapForm.field_names()]
    w["preview_button"].click(
        lambda frame, at, *f: run_preview(context, frame, at, *f),
        inputs=[w["frame"], w["at"], *fields],
        outputs=[w["preview"], w["status"]],
    )
    w["run"].click(
        lambda *f, progress=gr.Progress(): run_full(context, *f, progress=progress),
        inputs=fields,
        outputs=[w["result"], w["status"]],
    )
    register_page_load(lambda: models_notice(context), [w["models"]])
