"""The Video tab: text to video and image to video, queued on the ComfyUI backends."""

from __future__ import annotations

from ..context import UiContext
from . import backend_notice, workflow_form

WORKFLOWS = [
    "text_to_video",
    "image_to_video",
    "wan22_text_to_video",
    "wan22_image_to_video",
    "wan22_i2v_14b",
    "wan22_first_last_frame",
]


def render(context: UiContext) -> None:
    backend_notice.render("video")
    workflow_form.render(
        context,
        "video",
        WORKFLOWS,
        intro="Text to video (AnimateDiff, Wan 2.2) or image to video (Stable Video Diffusion, Wan 2.2; "
        "first/last frame on Wan 2.2 14B). Results appear in the Queue tab.",
    )


def listen(context: UiContext) -> None:
    return None
