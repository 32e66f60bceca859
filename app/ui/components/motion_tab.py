"""The Motion tab: a reference video drives a target image (pose animation, portrait animation)."""

from __future__ import annotations

from ..context import UiContext
from . import backend_notice, workflow_form

WORKFLOWS = ["pose_animation", "portrait_animation", "pose_extraction"]


def render(context: UiContext) -> None:
    backend_notice.render("motion")
    workflow_form.render(context, "motion", WORKFLOWS,
                         intro="Pick the method: pose animation (a character follows the poses of a reference video), "
                               "portrait animation (a face follows a driving video), or pose extraction (preview the poses). "
                               "Results appear in the Queue tab.")


def listen(context: UiContext) -> None:
    return None
