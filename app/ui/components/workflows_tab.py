"""The Workflows tab: every workflow in workflows/ as a form built from its declared parameters."""

from __future__ import annotations

from ..context import UiContext
from . import backend_notice, workflow_form


def render(context: UiContext) -> None:
    backend_notice.render("workflows")
    workflow_form.render(
        context, "workflows",
        intro="Each workflow in `workflows/` becomes a form from its declared parameters. "
              "“Open in ComfyUI” puts it in the backend's editor; after saving there, “Reload” picks up the edits.",
    )


def listen(context: UiContext) -> None:
    return None
