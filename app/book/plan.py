"""The build plan: which panels exist, their generation size, seeds and locations.

- Sizes: the panel's layout box (`PanelSlot.generation_size`) at about 512 x 512 pixels (SD1.5's native
  area), sides multiples of 64; `max_side` caps the longer side (tests and previews), keeping the aspect,
  sides multiples of 32; the shorter side never goes below 64 (so a wide panel may exceed the cap).
- Seeds: stable per panel (a hash of the title, page and panel, mixed with the first character's library
  seed), so a rebuild gives the same pictures; attempt n adds n x a large odd step.
- Locations: an explicit map (`<script>.locations.yaml`: `"1": lamp room` for a page, `"1:2": cliff` for
  one panel), else a location whose name or alias appears in the panel description, else the previous
  panel's location on the same page (a scene continues until the script names another place).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..comic.layout import PanelSlot
from ..comic.model import Book
from ..comic.panel_images import panel_file_name
from .errors import BookError
from .library import Location, find_entry

SD15_TARGET_PIXELS = 512 * 512
SEED_STEP = 1_000_003
SEED_LIMIT = 2**32


@dataclass(frozen=True)
class PanelRef:
    page: int
    panel: int

    @property
    def key(self) -> str:
        return Path(panel_file_name(self.page, self.panel)).stem  # p01_panel02

    def __str__(self) -> str:
        return f"page {self.page} panel {self.panel}"

    @classmethod
    def parse(cls, text: str) -> PanelRef:
        match = re.fullmatch(r"\s*(\d+)\s*[:/.]\s*(\d+)\s*", text or "")
        if not match:
            raise BookError(f"{text!r} does not name a panel; write PAGE:PANEL, e.g. 1:2.")
        return cls(int(match.group(1)), int(match.group(2)))


def panel_size(
    slot: PanelSlot, *, max_side: int | None = None, target_pixels: int = SD15_TARGET_PIXELS
) -> tuple[int, int]:
    """The size to generate a panel at (see the module docstring)."""
    width, height = slot.generation_size(target_pixels=target_pixels)
    if max_side is None or max(width, height) <= max_side:
        return width, height
    # the longer side never exceeds max_side; both stay multiples of 32 and at least 64 (a square
    # 64x64 when max_side is that small: the cover-crop absorbs the aspect)
    longer = max(64, max_side // 32 * 32)
    scale = longer / max(width, height)
    shorter = min(longer, max(64, round(min(width, height) * scale / 32) * 32))
    return (longer, shorter) if width >= height else (shorter, longer)


def plate_size(sizes: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """A location plate wide enough for every panel there: 1.5x the widest panel, the tallest panel's height."""
    width = max(w for w, _ in sizes)
    height = max(h for _, h in sizes)
    return (round(width * 1.5 / 64) * 64 or 64, height)


def base_seed(title: str, ref: PanelRef, character_seed: int | None = None) -> int:
    digest = hashlib.sha256(f"{title}\x00{ref.page}\x00{ref.panel}".encode()).digest()
    seed = int.from_bytes(digest[:4], "big")
    return (seed ^ character_seed) % SEED_LIMIT if character_seed is not None else seed


def attempt_seed(base: int, attempt: int) -> int:
    return (base + attempt * SEED_STEP) % SEED_LIMIT


def load_location_map(path: Path) -> dict[str, str]:
    """`<script>.locations.yaml`: {"1": "lamp room", "1:2": "cliff"}; {} when the file is absent."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BookError(f"{path} cannot be read ({exc.__class__.__name__}); fix its YAML.") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BookError(f'{path} must map pages ("1") or panels ("1:2") to location names.')
    return {str(k).strip(): v.strip() for k, v in data.items()}


def assign_locations(
    book: Book, locations: Sequence[Location], explicit: Mapping[str, str] | None = None
) -> dict[PanelRef, Location | None]:
    """Each panel's location (see the module docstring); an unknown name in the explicit map is an error."""
    explicit = dict(explicit or {})
    out: dict[PanelRef, Location | None] = {}
    for key, name in explicit.items():
        if find_entry(locations, name) is None:
            known = ", ".join(loc.name for loc in locations) or "none"
            raise BookError(f"location {name!r} (for {key}) is not in the location library; it has: {known}.")
    for page in book.pages:
        current: Location | None = None
        for panel in page.panels:
            chosen = explicit.get(f"{page.number}:{panel.number}") or explicit.get(str(page.number))
            found = find_entry(locations, chosen) if chosen else _mentioned(panel.description, locations)
            current = found or current
            out[PanelRef(page.number, panel.number)] = current
    return out


def _mentioned(text: str, locations: Sequence[Location]) -> Location | None:
    lowered = f" {re.sub(r'[^a-z0-9]+', ' ', (text or '').lower())} "
    best: tuple[int, Location] | None = None
    for location in locations:
        for name in (location.name, *location.aliases):
            token = f" {re.sub(r'[^a-z0-9]+', ' ', name.lower()).strip()} "
            if token.strip() and token in lowered and (best is None or len(token) > best[0]):
                best = (len(token), location)
    return best[1] if best else None
