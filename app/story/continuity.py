"""Continuity facts read from a comic script: where a panel happens and what characters wear.

The comic model (`app.comic.model.Panel`) has no location field yet, so the writers' room writes
the location as a leading tag of the panel description: `[Lighthouse] Maya climbs the stairs.`
`panel_location` reads a `location` attribute first (should the model gain one) and then the tag.
Outfits are read from descriptions as "<colour> <garment>" pairs (vocabulary in data/wardrobe.yaml).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_TAG = re.compile(r"^\s*\[(?P<name>[^\[\]]{1,80})\]\s*")
WARDROBE_FILE = Path(__file__).with_name("data") / "wardrobe.yaml"


def panel_location(panel: Any) -> str | None:
    """The panel's location: its `location` field if the model has one, else the leading [tag]."""
    explicit = getattr(panel, "location", None)
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()
    match = _TAG.match(getattr(panel, "description", "") or "")
    return match.group("name").strip() if match else None


def tag_description(location: str | None, description: str) -> str:
    """`[location] description`, replacing any tag the description already had."""
    body = _TAG.sub("", description, count=1).strip()
    return f"[{location.strip()}] {body}".strip() if location and location.strip() else body


def untagged_description(description: str) -> str:
    return _TAG.sub("", description or "", count=1).strip()


@lru_cache(maxsize=1)
def wardrobe() -> tuple[frozenset[str], frozenset[str]]:
    data = yaml.safe_load(WARDROBE_FILE.read_text(encoding="utf-8"))
    return frozenset(data["garments"]), frozenset(data["colours"])


def outfit_items(text: str) -> dict[str, str]:
    """Garment -> colour for every "<colour> <garment>" pair in `text` (e.g. "red coat")."""
    garments, colours = wardrobe()
    words = re.findall(r"[a-z][a-z\-]*", text.lower())
    items: dict[str, str] = {}
    for index, word in enumerate(words):
        if word not in garments:
            continue
        for back in (1, 2):  # "red coat", "red wool coat"
            if index - back >= 0 and words[index - back] in colours:
                items[word] = _canonical_colour(words[index - back])
                break
    return items


def _canonical_colour(colour: str) -> str:
    return {"gray": "grey", "golden": "gold", "scarlet": "red", "crimson": "red", "violet": "purple"}.get(
        colour, colour
    )


def outfit_mentions(description: str, name_variants: list[str]) -> dict[str, str]:
    """Garment colours the description gives to the character named by one of `name_variants`:
    the clause that starts at the name (up to the next sentence end, semicolon, or another name)."""
    text = untagged_description(description)
    found: dict[str, str] = {}
    for name in name_variants:
        for match in re.finditer(rf"\b{re.escape(name)}\b", text, re.IGNORECASE):
            clause = re.split(r"[.;!?]|\band\b(?=\s+[A-Z])", text[match.end() :], maxsplit=1)[0]
            found.update(outfit_items(clause))
    return found
