"""Page layout templates read from `data/templates.yaml`, and their cells cut out of a box."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from ..errors import InkframeError


class TemplateError(InkframeError):
    """An unknown layout template or a malformed template table."""


@dataclass(frozen=True)
class Rect:
    """A pixel box (left, top, right, bottom); right and bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def aspect(self) -> float:
        return self.width / max(1, self.height)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.right, self.bottom)

    def mirrored(self, left: int, right: int) -> Rect:
        """This box mirrored horizontally inside [left, right)."""
        return Rect(left + right - self.right, self.top, left + right - self.left, self.bottom)


@dataclass(frozen=True)
class Track:
    """A tier (row) or a column of a template: its relative size and its cells' relative sizes."""

    weight: float
    cells: tuple[float, ...]


@dataclass(frozen=True)
class Template:
    name: str
    orientation: Literal["rows", "columns"]
    tracks: tuple[Track, ...]
    width: float = 1.0
    bleed: bool = False
    priority: int = 0

    @property
    def panel_count(self) -> int:
        return sum(len(track.cells) for track in self.tracks)


def cut_cells(template: Template, box: Rect, gutter: int) -> list[Rect]:
    """The template's cells inside `box`, `gutter` pixels apart, in left-to-right reading order."""
    used = max(1, round(box.width * template.width))
    left = box.left + (box.width - used) // 2
    box = Rect(left, box.top, left + used, box.bottom)
    rows = template.orientation == "rows"
    span = box.height if rows else box.width
    edges = _split(box.top if rows else box.left, span, [t.weight for t in template.tracks], gutter)
    cells: list[Rect] = []
    for track, (start, end) in zip(template.tracks, edges):
        inner = _split(box.left if rows else box.top, box.width if rows else box.height, list(track.cells), gutter)
        for a, b in inner:
            cells.append(Rect(a, start, b, end) if rows else Rect(start, a, end, b))
    return cells


def _split(start: int, length: int, weights: list[float], gutter: int) -> list[tuple[int, int]]:
    free = max(len(weights), length - gutter * (len(weights) - 1))
    total = sum(weights)
    spans, position, acc = [], start, 0.0
    for index, weight in enumerate(weights):
        acc += weight
        end = start + round(free * acc / total) + gutter * index
        spans.append((position, end))
        position = end + gutter
    return spans


@lru_cache(maxsize=1)
def load_templates() -> dict[str, Template]:
    text = resources.files(__package__).joinpath("data/templates.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text) or {}
    return {str(name): _read_template(str(name), entry) for name, entry in raw.items()}


def _read_template(name: str, entry: Any) -> Template:
    try:
        orientation: Literal["rows", "columns"] = "rows" if "rows" in entry else "columns"
        tracks = tuple(
            Track(
                weight=float(item["height" if orientation == "rows" else "width"]),
                cells=tuple(float(v) for v in item["widths" if orientation == "rows" else "heights"]),
            )
            for item in entry[orientation]
        )
        if not tracks or any(not t.cells or t.weight <= 0 or min(t.cells) <= 0 for t in tracks):
            raise ValueError("empty or non-positive tracks")
        width = float(entry.get("width", 1.0))
        if not 0.1 <= width <= 1.0:
            raise ValueError("width must be between 0.1 and 1")
        return Template(
            name, orientation, tracks, width, bool(entry.get("bleed", False)), int(entry.get("priority", 0))
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TemplateError(
            f"Layout template {name!r} in data/templates.yaml is malformed ({exc}); fix that entry."
        ) from exc


def get_template(name: str) -> Template:
    templates = load_templates()
    if name not in templates:
        raise TemplateError(f"Unknown layout template {name!r}; choose one of: {', '.join(templates)}.")
    return templates[name]


def grid_template(count: int) -> Template:
    """A generated template for panel counts the table does not cover: tiers of up to three panels."""
    per_row = 3 if count > 6 else 2
    sizes = [per_row] * (count // per_row) + ([count % per_row] if count % per_row else [])
    return Template(f"grid-{count}", "rows", tuple(Track(1.0, (1.0,) * n) for n in sizes))
