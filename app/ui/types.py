"""Option vocabularies of the UI: component names, tab names."""

from __future__ import annotations

from typing import Literal

TabName = Literal["comic", "characters", "locations", "faceswap", "motion", "video", "workflows", "queue", "settings"]

TAB_TITLES: dict[TabName, str] = {
    "comic": "Comic",
    "characters": "Characters",
    "locations": "Locations",
    "faceswap": "Face swap",
    "motion": "Motion",
    "video": "Video",
    "workflows": "Workflows",
    "queue": "Queue",
    "settings": "Settings",
}

# Widgets that one component renders and another listens to.
ComponentName = Literal[
    "backend_banner",
    "backend_refresh_button",
    "comic_script",
    "comic_script_status",
    "comic_draft",
    "comic_draft_changed",
]
