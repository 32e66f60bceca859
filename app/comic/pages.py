"""Page sizes (trim, bleed, safe area) read from `data/page_sizes.yaml`, converted to pixels at a DPI."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..errors import InkframeError

_UNIT_PER_INCH = {"in": 1.0, "mm": 25.4, "px": None}


class PageSizeError(InkframeError):
    """An unknown page size or a broken page-size table."""


@dataclass(frozen=True)
class PageSpec:
    """One page size from the table, in its own unit."""

    name: str
    description: str
    unit: str
    width: float
    height: float | None  # None: the height flows with the content (webtoon)
    bleed: float
    safe: float

    @property
    def flows(self) -> bool:
        return self.height is None

    def to_px(self, length: float, dpi: int) -> int:
        per_inch = _UNIT_PER_INCH[self.unit]
        return int(round(length if per_inch is None else length / per_inch * dpi))


@dataclass(frozen=True)
class PageGeometry:
    """A page in pixels. The canvas is the trim plus the bleed on every side.

    `trim_box` and `safe_box` are (left, top, right, bottom) boxes in canvas pixels.
    `height_px` is 0 for a page whose height flows (webtoon) until the layout fixes it.
    """

    spec: PageSpec
    dpi: int
    trim_width_px: int
    trim_height_px: int
    bleed_px: int
    safe_px: int

    @property
    def width_px(self) -> int:
        return self.trim_width_px + 2 * self.bleed_px

    @property
    def height_px(self) -> int:
        return self.trim_height_px + 2 * self.bleed_px

    @property
    def trim_box(self) -> tuple[int, int, int, int]:
        b = self.bleed_px
        return (b, b, b + self.trim_width_px, b + self.trim_height_px)

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        left, top, right, bottom = self.trim_box
        s = self.safe_px
        return (left + s, top + s, right - s, bottom - s)

    def with_height(self, trim_height_px: int) -> PageGeometry:
        return PageGeometry(self.spec, self.dpi, self.trim_width_px, trim_height_px, self.bleed_px, self.safe_px)

    @property
    def size_inches(self) -> tuple[float, float]:
        """The canvas size in inches at this DPI (what a PDF page must measure)."""
        return (self.width_px / self.dpi, self.height_px / self.dpi)


@lru_cache(maxsize=1)
def load_page_specs() -> dict[str, PageSpec]:
    text = resources.files(__package__).joinpath("data/page_sizes.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text) or {}
    specs: dict[str, PageSpec] = {}
    for name, entry in raw.items():
        try:
            unit = str(entry["unit"])
            if unit not in _UNIT_PER_INCH:
                raise ValueError(f"unit {unit!r}")
            height = entry["height"]
            specs[str(name)] = PageSpec(
                name=str(name),
                description=str(entry.get("description", name)),
                unit=unit,
                width=float(entry["width"]),
                height=None if height == "flow" else float(height),
                bleed=float(entry.get("bleed", 0)),
                safe=float(entry.get("safe", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PageSizeError(
                f"Page size {name!r} in data/page_sizes.yaml is malformed ({exc}); fix that entry."
            ) from exc
    return specs


def page_size_names() -> list[str]:
    return list(load_page_specs())


def get_page_spec(name: str) -> PageSpec:
    specs = load_page_specs()
    if name not in specs:
        raise PageSizeError(f"Unknown page size {name!r}; choose one of: {', '.join(specs)}.")
    return specs[name]


def page_geometry(name: str, dpi: int) -> PageGeometry:
    """The pixel geometry of page size `name` at `dpi` (px pages ignore the DPI)."""
    if dpi < 36 or dpi > 1200:
        raise PageSizeError(f"DPI {dpi} is out of range; use a value between 36 and 1200.")
    spec = get_page_spec(name)
    height = spec.to_px(spec.height, dpi) if spec.height is not None else 0
    return PageGeometry(
        spec=spec,
        dpi=dpi,
        trim_width_px=spec.to_px(spec.width, dpi),
        trim_height_px=height,
        bleed_px=spec.to_px(spec.bleed, dpi),
        safe_px=spec.to_px(spec.safe, dpi),
    )
