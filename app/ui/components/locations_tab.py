"""The Locations tab: backgrounds from text, or restyled from a photo."""

from __future__ import annotations

from ..context import UiContext
from . import backend_notice, library_panel, workflow_form


def render(context: UiContext) -> None:
    backend_notice.render("locations")
    library_panel.render(context, "locations")
    workflow_form.render(
        context,
        "locations",
        ["background", "img2img_restyle"],
        intro="### Create a location\nA background from a description, or a photo redrawn in the comic's style. "
        "Results appear in the Queue tab.",
    )


def listen(context: UiContext) -> None:
    library_panel.listen(context, "locations")
