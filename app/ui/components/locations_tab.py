"""The Locations tab: backgrounds from text, or restyled from a photo."""

from __future__ import annotations

from ...services.choices import family_workflows
from ..context import UiContext
from . import backend_notice, library_panel, workflow_form


def render(context: UiContext) -> None:
    backend_notice.render("locations")
    library_panel.render(context, "locations")
    workflow_form.render(
        context,
        "locations",
        family_workflows("background", "img2img_restyle"),  # one per model family; the form lists the backend's files
        intro="### Create a location\nA background from a description, or a photo redrawn in the comic's style. "
        "Results appear in the Queue tab.",
    )


def listen(context: UiContext) -> None:
    library_panel.listen(context, "locations")
