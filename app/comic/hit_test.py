"""Which balloon is at a point of a composed page: the click-to-edit of the page preview.

    spots = balloon_spots(composed.plans)        # where the letterer put every balloon (page pixels)
    spot = balloon_at(spots, 412.0, 230.5)       # the balloon under that pixel, or None

Caption boxes and SFX count as balloons too: everything a panel's dialogue lists can be picked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lettering import PanelPlan

SLOP_PX = 6.0  # a click this close outside a balloon's body still picks it (the outline, a shaky hand)


@dataclass(frozen=True)
class BalloonSpot:
    """One piece of lettering on a page: its panel, its index in that panel's dialogue, where its body is."""

    panel: int
    index: int
    kind: str
    body: tuple[float, float, float, float]  # left, top, right, bottom in page pixels

    @property
    def center(self) -> tuple[float, float]:
        left, top, right, bottom = self.body
        return ((left + right) / 2, (top + bottom) / 2)

    @property
    def area(self) -> float:
        left, top, right, bottom = self.body
        return max(0.0, right - left) * max(0.0, bottom - top)


def balloon_spots(plans: Iterable[PanelPlan]) -> tuple[BalloonSpot, ...]:
    """Every placed item of the page's panel plans, in drawing order."""
    return tuple(
        BalloonSpot(
            plan.panel,
            item.index,
            item.kind,
            (float(item.body[0]), float(item.body[1]), float(item.body[2]), float(item.body[3])),
        )
        for plan in plans
        for item in plan.items
    )


def balloon_at(spots: Iterable[BalloonSpot], x: float, y: float, *, slop: float = SLOP_PX) -> BalloonSpot | None:
    """The balloon whose body (grown by `slop` pixels) holds (x, y); None when the point hits none.

    Where bodies overlap, a point inside a body proper beats one only in another's slop, and then the
    smaller balloon wins (the one that would be impossible to pick otherwise)."""
    best: tuple[int, float, BalloonSpot] | None = None
    for spot in spots:
        left, top, right, bottom = spot.body
        if not (left - slop <= x <= right + slop and top - slop <= y <= bottom + slop):
            continue
        inside = 0 if (left <= x <= right and top <= y <= bottom) else 1
        rank = (inside, spot.area, spot)
        if best is None or rank[:2] < best[:2]:
            best = rank
    return best[2] if best is not None else None
