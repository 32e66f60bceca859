"""The Video tab: text to video and image to video, queued on the ComfyUI backends."""

from __future__ import annotations

from ..context import UiContext
from . import backend_notice, workflow_form

WORKFLOWS = ["text_to_video", "image_to_video"]


def render(context: UiContext) -> None:
    backend_notice.render("video")
    workflow_form.render(context, "video", WORKFLOWS,
                         intro="Text to video (AnimateDiff) or image to video (Stable Video Diffusion). Results appear in the Queue tab.")


def listen(context: UiContext) -> None:
    return None
