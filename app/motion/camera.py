"""A virtual camera over a still page: shots (a rectangle held for a while) joined by eased moves.

All rectangles are (left, top, right, bottom) in page pixels and always have the output's aspect,
so a crop of the page at the camera rectangle scales to the output frame without distortion.
"""

from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Shot:
    """Hold `rect` for `hold_s` seconds after a `move_s` second move from the previous shot."""

    rect: Rect
    move_s: float
    hold_s: float
    panel_number: int | None = None  # None: the whole page


def fit_rect(box: Rect, aspect: float, page_size: tuple[int, int], margin: float = 0.06) -> Rect:
    """The smallest rectangle of the given aspect (w/h) that shows `box` plus a margin, centred on it.

    It is kept inside the page where the page is big enough in that direction; a rectangle larger
    than the page is centred on the page (the outside shows as the background)."""
    left, top, right, bottom = box
    width = (right - left) * (1 + 2 * margin)
    height = (bottom - top) * (1 + 2 * margin)
    if width / height > aspect:
        height = width / aspect
    else:
        width = height * aspect
    cx, cy = (left + right) / 2, (top + bottom) / 2
    page_w, page_h = page_size
    cx = _clamp_centre(cx, width, page_w)
    cy = _clamp_centre(cy, height, page_h)
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def _clamp_centre(centre: float, extent: float, page_extent: float) -> float:
    if extent >= page_extent:
        return page_extent / 2
    return min(max(centre, extent / 2), page_extent - extent / 2)


def ease_in_out(t: float) -> float:
    """Smoothstep easing: zero speed at both ends of a move."""
    t = min(max(t, 0.0), 1.0)
    return t * t * (3 - 2 * t)


def interpolate(a: Rect, b: Rect, t: float) -> Rect:
    """Eased move from a to b; the zoom is interpolated in log space so it feels uniform."""
    import math

    e = ease_in_out(t)
    wa, wb = a[2] - a[0], b[2] - b[0]
    width = math.exp(math.log(wa) * (1 - e) + math.log(wb) * e)
    ratio = (a[3] - a[1]) / wa
    cxa, cya = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    cxb, cyb = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    cx, cy = cxa + (cxb - cxa) * e, cya + (cyb - cya) * e
    height = width * ratio
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


@dataclass(frozen=True)
class CameraSample:
    rect: Rect
    shot_index: int
    time_in_hold: float | None  # None while moving
    move_progress: float = 1.0  # 0..1 through the move into shot_index (1 while holding)


def sample_camera(shots: list[Shot], time_s: float) -> CameraSample:
    """Where the camera is at `time_s` (the first shot starts held, without a move)."""
    previous = shots[0].rect
    elapsed = 0.0
    for index, shot in enumerate(shots):
        move = shot.move_s if index else 0.0
        if time_s < elapsed + move:
            progress = (time_s - elapsed) / move
            return CameraSample(interpolate(previous, shot.rect, progress), index, None, progress)
        elapsed += move
        if time_s < elapsed + shot.hold_s or index == len(shots) - 1:
            return CameraSample(shot.rect, index, time_s - elapsed)
        elapsed += shot.hold_s
        previous = shot.rect
    raise ValueError("sample_camera needs at least one shot")


def total_duration(shots: list[Shot]) -> float:
    return sum((shot.move_s if index else 0.0) + shot.hold_s for index, shot in enumerate(shots))
