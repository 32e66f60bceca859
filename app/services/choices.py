"""Option vocabularies the entry points offer in forms and flags, re-exported from the libraries that define them
(app/ui, app/cli and app/api import only app.services)."""

from __future__ import annotations

from ..comic.choices import BALLOON_KINDS, EXPORT_FORMATS
from ..comic.export import parse_formats, slugify
from ..comic.pages import page_size_names
from ..faceswap.types import ENHANCERS, GENDERS, ONE_MODES, SELECTORS
from ..media.types import VIDEO_CODECS

__all__ = [
    "BALLOON_KINDS",
    "ENHANCERS",
    "EXPORT_FORMATS",
    "GENDERS",
    "ONE_MODES",
    "SELECTORS",
    "VIDEO_CODECS",
    "family_workflows",
    "page_size_names",
    "parse_formats",
    "slugify",
]


def family_workflows(*capabilities: str) -> list[str]:
    """The built-in workflows of these capabilities, one per model family (SD1.5's first, each capability in turn),
    with the all-in-one Flux checkpoint twins: what a tab offers in its workflow picker."""
    from ..workflows import resolve_workflow
    from ..workflows.errors import WorkflowError
    from ..workflows.family_choice import FLUX_CHECKPOINT_SUFFIX, WORKFLOWS

    names: list[str] = []
    for capability in capabilities:
        for (of, _family), chosen in WORKFLOWS.items():
            for name in (chosen.workflow, chosen.workflow + FLUX_CHECKPOINT_SUFFIX):
                if of != capability or name in names:
                    continue
                try:
                    resolve_workflow(name)
                except WorkflowError:
                    continue  # no such twin in the library
                names.append(name)
    return names
