"""The library part of the Characters and Locations tabs: what is saved, and a form to add or update one."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ...errors import InkframeError
from ...services import library_service
from ..context import UiContext
from ..core import register_page_load
from ..notices import error_html, notice_html

_w: dict[str, dict[str, Any]] = {}


def render(context: UiContext, kind: str) -> None:
    singular = kind[:-1]
    w = _w.setdefault(kind, {})
    gr.Markdown(
        f"### {kind.capitalize()} library\nSaved {kind} with their reference images "
        f"(in `{html.escape(str(context.config.resolve(context.config.app.library_dir) / kind))}`)."
    )
    w["gallery"] = gr.Gallery(label=f"Saved {kind}", columns=5, height="auto", elem_id=f"{kind}-library")
    w["table"] = gr.Dataframe(
        headers=["name", "id", "description", "images"],
        value=[],
        interactive=False,
        wrap=True,
        label=f"All {kind}",
        elem_id=f"{kind}-library-table",
    )
    with gr.Accordion(f"Add or update a {singular}", open=False, elem_id=f"{kind}-library-form"):
        w["name"] = gr.Textbox(label="Name", elem_id=f"{kind}-name")
        w["description"] = gr.Textbox(
            label="Description",
            lines=3,
            elem_id=f"{kind}-description",
            placeholder="what they look like / what the place looks like"
            if kind == "characters"
            else "what the place looks like",
        )
        w["photos"] = gr.File(
            label="Reference photos",
            file_count="multiple",
            file_types=["image"],
            type="filepath",
            elem_id=f"{kind}-photos",
        )
        w["save"] = gr.Button(f"Save {singular}", variant="secondary", elem_id=f"{kind}-save")
    w["status"] = gr.HTML("", elem_id=f"{kind}-library-status")


def gallery(context: UiContext, kind: str) -> list[tuple[str, str]]:
    library_dir = context.config.resolve(context.config.app.library_dir)
    items = []
    for entry in library_service.list_entries(library_dir, kind):
        caption = entry.name + (f" — {entry.description[:60]}" if entry.description else "")
        if entry.images:
            items.append((str(entry.images[0]), caption))
    return items


def table(context: UiContext, kind: str) -> list[list[Any]]:
    library_dir = context.config.resolve(context.config.app.library_dir)
    return [[e.name, e.id, e.description, len(e.images)] for e in library_service.list_entries(library_dir, kind)]


def load(context: UiContext, kind: str) -> list[Any]:
    try:
        items = gallery(context, kind)
        rows = table(context, kind)
    except InkframeError as exc:
        return [[], [], error_html(str(exc))]
    count = len(rows)
    return [
        items,
        rows,
        notice_html(
            f"{count} {kind if count != 1 else kind[:-1]} in the library."
            if count
            else f"The {kind} library is empty; add one below.",
            ok=bool(count),
        ),
    ]


def save(context: UiContext, kind: str, name: str, description: str, photos: list[str] | None) -> list[Any]:
    library_dir = context.config.resolve(context.config.app.library_dir)
    try:
        entry = library_service.save_entry(library_dir, kind, name, description, photos or [])
    except InkframeError as exc:
        return [gr.update(), gr.update(), error_html(str(exc))]
    return [
        gallery(context, kind),
        table(context, kind),
        notice_html(f"Saved {html.escape(entry.name)} ({len(entry.images)} image(s)).", ok=True),
    ]


def listen(context: UiContext, kind: str) -> None:
    w = _w[kind]
    w["save"].click(
        lambda n, d, p: save(context, kind, n, d, p),
        inputs=[w["name"], w["description"], w["photos"]],
        outputs=[w["gallery"], w["table"], w["status"]],
    )
    register_page_load(lambda: load(context, kind), [w["gallery"], w["table"], w["status"]])
