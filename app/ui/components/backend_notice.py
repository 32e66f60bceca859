"""A notice on each tab that needs ComfyUI; `backend_banner.listen` fills every registered one."""

from __future__ import annotations

import gradio as gr

_NOTICES: list[gr.HTML] = []


def render(tab: str) -> gr.HTML:
    notice = gr.HTML("", elem_id=f"{tab}-backend-notice")
    _NOTICES.append(notice)
    return notice


def registered_notices() -> list[gr.HTML]:
    return list(_NOTICES)


def clear() -> None:
    _NOTICES.clear()
