"""A notice on each tab that needs ComfyUI; `backend_banner.listen` fills every registered one with what
that tab can do on the backend (its capabilities, `app.workflows.capabilities`), green only when all can run."""

from __future__ import annotations

import gradio as gr

# The capabilities each tab's jobs need (one place; ids from app.workflows.capabilities.CAPABILITIES).
TAB_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "comic": ("panel",),
    "characters": ("character_sheet", "img2img"),
    "locations": ("background", "img2img"),
    "video": ("text_to_video", "image_to_video"),
    "motion": ("pose_animation", "portrait_animation"),
    "workflows": (
        "panel",
        "character_sheet",
        "background",
        "img2img",
        "inpaint",
        "upscale_restore",
        "faceswap_image",
        "faceswap_video",
        "pose_animation",
        "portrait_animation",
        "image_to_video",
        "text_to_video",
    ),
    "queue": (),
    "comic-clip": ("image_to_video",),  # the panel strip's "Make a clip" (panel_clip.py)
}
_NOTICES: list[tuple[str, gr.HTML]] = []


def render(tab: str) -> gr.HTML:
    notice = gr.HTML("", elem_id=f"{tab}-backend-notice")
    _NOTICES.append((tab, notice))
    return notice


def registered_notices() -> list[gr.HTML]:
    return [notice for _tab, notice in _NOTICES]


def registered_tabs() -> list[str]:
    return [tab for tab, _notice in _NOTICES]


def clear() -> None:
    _NOTICES.clear()
