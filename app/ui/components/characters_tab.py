"""The Characters tab: character sheets from text or a reference photo (the character_sheet workflow)."""

from __future__ import annotations

from ...services.choices import family_workflows
from ..context import UiContext
from . import backend_notice, library_panel, workflow_form


def render(context: UiContext) -> None:
    backend_notice.render("characters")
    library_panel.render(context, "characters")
    workflow_form.render(
        context,
        "characters",
        family_workflows("character_sheet"),  # one per model family; the form lists the backend's files
        intro="### Character sheet\nA turnaround and an expression sheet from a description (and a pose image). "
        "Results appear in the Queue tab.",
    )


def listen(context: UiContext) -> None:
    library_panel.listen(context, "characters")
