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
    "page_size_names",
    "parse_formats",
    "slugify",
]
