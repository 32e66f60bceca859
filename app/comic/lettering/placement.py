"""Balloon placement inside a panel: reading order, off faces, off each other, near the speaker.

Pure geometry in page pixels. Captions go to the panel's first corner (top-left, or top-right for
right-to-left books) when they open the panel and to the last corner when they close it; balloons
are searched over a grid of candidate centres scored by overlaps, reading order and distance to the
speaker; tails aim at the speaker's mouth and stop short of it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

Box = tuple[float, float, float, float]
Point = tuple[float, float]

_GRID = 11
BEAM_WIDTH = 8
BEAM_SPOTS = 5
W_OVERLAP_BALLOON = 60.0
W_OVERLAP_FACE = 30.0
W_TOUCH_FACE = 12.0  # any overlap with a face at all, on top of the share covered
W_OVERLAP_HEAD = 8.0
W_ORDER = 24.0  # reading order is all but a hard rule: only a face or another balloon outweighs it
BREAK_BORDER = 0.12  # how far (fraction of the panel's shorter side) a border-breaking balloon may go out
W_HEIGHT = 1.4
W_SPEAKER = 1.2
W_TAIL = 1.5  # a tail with no room before the face, or one that crosses another balloon
W_VARIANT = 0.25  # the cost of taking the narrower wrap instead of the preferred one


@dataclass(frozen=True)
class Avoid:
    """A region to keep lettering off: a face (strong) or a character's head zone (weaker)."""

    box: Box
    weight: float


@dataclass(frozen=True)
class Request:
    """One piece of lettering to place: its body size, where its speaker is, and a pinned centre."""

    width: float
    height: float
    kind: str
    anchor: Point | None = None  # the speaker's mouth, page px
    pinned: Point | None = None  # a centre the script fixed
    off_panel: bool = False
    keep_out: Box | None = None  # the speaker's face: the tail stops before it
    break_border: bool = False  # the script lets this balloon break the panel's border
    squeezed: bool = False  # set by the placer: the body was cut down to fit its panel
    base_variant: int = 0  # set by the placer: the size variant the body already is
    alternatives: tuple[tuple[float, float], ...] = ()  # other body sizes (narrower wraps) it may take


@dataclass(frozen=True)
class Placement:
    body: Box
    tail_tip: Point | None
    overlaps: tuple[str, ...]  # what the body could not avoid ("a face", "balloon 2")
    variant: int = 0  # 0: the preferred size; k: request.alternatives[k - 1]
    squeezed: bool = False  # the body was larger than its panel and was cut down to fit inside it


def overlap_area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _area(box: Box) -> float:
    return max(1.0, (box[2] - box[0]) * (box[3] - box[1]))


def _clamp_box(cx: float, cy: float, w: float, h: float, area: Box) -> Box:
    left = min(max(cx - w / 2, area[0]), max(area[0], area[2] - w))
    top = min(max(cy - h / 2, area[1]), max(area[1], area[3] - h))
    return (left, top, left + w, top + h)


def _center(box: Box) -> Point:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def place_all(
    requests: list[Request], panel: Box, avoid: list[Avoid], *, rtl: bool = False, limit: Box | None = None
) -> list[Placement]:
    """Place every request in order (the script's reading order) inside `panel`, and inside `limit`
    (the page's safe area) when given."""
    width, height = panel[2] - panel[0], panel[3] - panel[1]
    area = lettering_area(panel, limit)
    broken = lettering_area(panel, limit, break_border=True)
    first_balloon = next((i for i, r in enumerate(requests) if r.kind not in ("caption", "sfx")), len(requests))
    corner_stack = {"open": area[1], "close": area[3]}
    fixed: dict[int, Box] = {}
    requests = [_squeeze(r, broken if r.break_border else area) for r in requests]
    for index, request in enumerate(requests):
        if request.pinned is not None:
            fixed[index] = _clamp_box(
                request.pinned[0],
                request.pinned[1],
                request.width,
                request.height,
                broken if request.break_border else area,
            )
        elif request.kind == "caption":
            fixed[index] = _caption_box(request, area, corner_stack, opening=index < first_balloon, rtl=rtl)
    # Beam search: each free balloon keeps its best few spots, so an early balloon does not take
    # the only place where it reads first while pushing a later one above it.
    beams: list[tuple[float, list[Box], list[int]]] = [(0.0, [], [])]
    for index, request in enumerate(requests):
        grown: list[tuple[float, list[Box], list[int]]] = []
        for cost, bodies, variants in beams:
            if index in fixed:
                grown.append((cost, bodies + [fixed[index]], variants + [0]))
                continue
            others = bodies + [box for k, box in fixed.items() if k > index]
            previous = next((bodies[k] for k in range(index - 1, -1, -1) if requests[k].kind != "sfx"), None)
            candidates = _candidates(
                request, broken if request.break_border else area, others, avoid, previous, rtl=rtl
            )
            for spot_cost, body, variant in _diverse(candidates, 0.15 * min(width, height)):
                grown.append((cost + spot_cost, bodies + [body], variants + [variant]))
        grown.sort(key=lambda item: item[0])
        beams = grown[:BEAM_WIDTH]
    _cost, bodies, chosen = beams[0]
    results: list[Placement] = []
    for index, (request, body) in enumerate(zip(requests, bodies)):
        overlaps = tuple(
            [
                f"lettering {k + 1}"
                for k, other in enumerate(bodies[:index])
                if overlap_area(body, other) > 0.02 * _area(body)
            ]
            + ["a face" for a in avoid if a.weight >= W_OVERLAP_FACE and overlap_area(body, a.box) > 0]
        )
        faces = [a.box for a in avoid if a.weight >= W_OVERLAP_FACE]
        tip = _tail_tip(request, body, panel, faces) if request.kind not in ("caption", "sfx") else None
        results.append(Placement(body, tip, overlaps, chosen[index] + request.base_variant, squeezed=request.squeezed))
    return results


def lettering_area(panel: Box, limit: Box | None = None, *, break_border: bool = False) -> Box:
    """Where lettering of a panel may go: the panel less a small inset (or, for a balloon that breaks
    the border, a little beyond it), and inside `limit` (the page's safe area) when that leaves room."""
    width, height = panel[2] - panel[0], panel[3] - panel[1]
    inset = (-BREAK_BORDER if break_border else 0.025) * min(width, height)
    area = (panel[0] + inset, panel[1] + inset, panel[2] - inset, panel[3] - inset)
    if limit is not None:
        clipped = (max(area[0], limit[0]), max(area[1], limit[1]), min(area[2], limit[2]), min(area[3], limit[3]))
        if clipped[2] - clipped[0] > 0.3 * width and clipped[3] - clipped[1] > 0.3 * height:
            area = clipped
    return area


def _squeeze(request: Request, area: Box) -> Request:
    """A request whose body is larger than the area is cut down to the area (and marked), so no
    balloon ever spreads over the gutter into the next panel."""
    aw, ah = area[2] - area[0], area[3] - area[1]
    if request.width <= aw and request.height <= ah:
        return request
    fitting = tuple((w, h) for w, h in request.alternatives if w <= aw and h <= ah)
    if fitting:  # a narrower wrap that fits is taken instead
        return replace(
            request,
            width=fitting[0][0],
            height=fitting[0][1],
            alternatives=(),
            base_variant=request.alternatives.index(fitting[0]) + 1,
        )
    return replace(
        request, width=min(request.width, aw), height=min(request.height, ah), alternatives=(), squeezed=True
    )


def reading_order_breaks(bodies: list[Box], kinds: list[str], *, rtl: bool = False) -> list[tuple[int, int]]:
    """Pairs (earlier, later) of lettering indices (captions and balloons; SFX do not count) where the
    later one reads before the earlier one on the Z-path (left to right, or right to left for `rtl`)."""
    order = [i for i, kind in enumerate(kinds) if kind != "sfx"]
    return [(a, b) for a, b in zip(order, order[1:]) if _order_penalty(bodies[a], bodies[b], 1.0, rtl) > 0]


def _caption_box(request: Request, area: Box, stack: dict[str, float], *, opening: bool, rtl: bool) -> Box:
    w, h = min(request.width, area[2] - area[0]), request.height
    at_right = rtl if opening else not rtl
    left = area[2] - w if at_right else area[0]
    if opening:
        top = stack["open"]
        stack["open"] = top + h + 0.01 * (area[3] - area[1])
    else:
        top = stack["close"] - h
        stack["close"] = top - 0.01 * (area[3] - area[1])
    return (left, top, left + w, top + h)


def _diverse(candidates: list[tuple[float, Box, int]], spacing: float) -> list[tuple[float, Box, int]]:
    """The cheapest BEAM_SPOTS candidates whose centres lie at least `spacing` apart."""
    chosen: list[tuple[float, Box, int]] = []
    for candidate in candidates:
        cx, cy = _center(candidate[1])
        if all(math.hypot(cx - _center(c[1])[0], cy - _center(c[1])[1]) >= spacing for c in chosen):
            chosen.append(candidate)
            if len(chosen) == BEAM_SPOTS:
                break
    return chosen


def _candidates(
    request: Request, area: Box, placed: list[Box], avoid: list[Avoid], previous: Box | None, *, rtl: bool
) -> list[tuple[float, Box, int]]:
    """Candidate (cost, body, size variant) on a grid over the area, cheapest first."""
    aw, ah = area[2] - area[0], area[3] - area[1]
    sfx = request.kind == "sfx"
    scored: dict[Box, tuple[float, int]] = {}
    sizes = ((request.width, request.height), *request.alternatives)
    for (gy, gx), (variant, (width, height)) in itertools.product(
        itertools.product(range(_GRID), range(_GRID)), enumerate(sizes)
    ):
        cx = area[0] + aw * (gx + 0.5) / _GRID
        cy = area[1] + ah * (gy + 0.5) / _GRID
        body = _clamp_box(cx, cy, width, height, area)
        if body in scored:
            continue
        bx, by = _center(body)
        cost = W_VARIANT * variant
        for other in placed:
            cost += W_OVERLAP_BALLOON * overlap_area(body, other) / _area(body)
        for region in avoid:
            covered = overlap_area(body, region.box)
            if covered > 0:
                cost += region.weight * covered / _area(region.box) + (
                    W_TOUCH_FACE if region.weight >= W_OVERLAP_FACE else 0.0
                )
        if sfx:
            cost += 0.6 * abs(by - (area[1] + ah * 0.6)) / ah
        else:
            cost += W_HEIGHT * (by - area[1]) / ah
            if request.anchor is not None:
                cost += W_SPEAKER * abs(bx - request.anchor[0]) / aw
                if by > request.anchor[1]:
                    cost += 1.5 * (by - request.anchor[1]) / ah  # below the mouth reads badly
                reach = request.anchor[1] - body[3] - 0.3 * ah  # a tail longer than this reads badly
                if reach > 0:
                    cost += 2.0 * reach / ah
                if not request.off_panel:
                    cost += W_TAIL * _tail_trouble(body, request, placed, 0.05 * min(aw, ah))
            if previous is not None:
                cost += W_ORDER * _order_penalty(previous, body, ah, rtl)
        scored[body] = (cost, variant)
    return sorted(((cost, body, variant) for body, (cost, variant) in scored.items()), key=lambda item: item[0])


def _tail_trouble(body: Box, request: Request, placed: list[Box], room: float) -> float:
    """1 for each problem of the tail toward the anchor: no room for it before the speaker's face,
    or another balloon in its way."""
    assert request.anchor is not None
    cx, cy = _center(body)
    dx, dy = request.anchor[0] - cx, request.anchor[1] - cy
    dist = math.hypot(dx, dy)
    if dist < 1e-6:
        return 1.0
    ux, uy = dx / dist, dy / dist
    edge = _edge_distance(body, ux, uy)
    trouble = 0.0
    if request.keep_out is not None:
        entry = _ray_box_entry((cx, cy), (ux, uy), request.keep_out)
        if entry is not None and entry - edge < room:
            trouble += 1.0
    for other in placed:
        entry = _ray_box_entry((cx, cy), (ux, uy), other)
        if entry is not None and edge < entry < dist:
            trouble += 1.0
    return trouble


def _order_penalty(previous: Box, current: Box, height: float, rtl: bool) -> float:
    """How much `current` reads before `previous`. Balloons that share a tier (their heights
    overlap by a third or more) read left to right (right to left for manga); otherwise the
    higher one reads first."""
    shared = min(previous[3], current[3]) - max(previous[1], current[1])
    if shared > 0.33 * min(previous[3] - previous[1], current[3] - current[1]):
        dx = _center(current)[0] - _center(previous)[0]
        return 1.0 if (dx > 0 if rtl else dx < 0) else 0.0
    dy = current[1] - previous[1]
    return min(1.0, 0.4 - dy / height * 3) if dy < 0 else 0.0


def _edge_distance(body: Box, ux: float, uy: float) -> float:
    a, b = (body[2] - body[0]) / 2, (body[3] - body[1]) / 2
    return 1.0 / math.sqrt((ux / max(a, 1e-6)) ** 2 + (uy / max(b, 1e-6)) ** 2)


def _tail_tip(request: Request, body: Box, panel: Box, faces: list[Box] | None = None) -> Point | None:
    """Where the tail ends: toward the speaker's mouth, stopping short of the speaker's face and of
    any other face on the way (a tail never pokes into a face)."""
    cx, cy = _center(body)
    width, height = panel[2] - panel[0], panel[3] - panel[1]
    if request.off_panel:
        # toward the nearer side edge, ending at the border
        target = (panel[0], cy) if cx - panel[0] < panel[2] - cx else (panel[2], cy)
        if request.anchor is not None:
            target = (panel[0] if request.anchor[0] < cx else panel[2], cy)
        return (target[0], min(max(cy + (body[3] - body[1]) * 0.35, panel[1]), panel[3]))
    target = request.anchor if request.anchor is not None else (cx, min(panel[3], body[3] + 0.18 * height))
    dx, dy = target[0] - cx, target[1] - cy
    dist = math.hypot(dx, dy)
    if dist < 1e-6:
        return (cx, body[3] + 0.05 * height)
    ux, uy = dx / dist, dy / dist
    edge = _edge_distance(body, ux, uy)
    gap = 0.05 * min(width, height)
    minimum = 0.06 * min(width, height)
    maximum = 0.3 * min(width, height) + 0.06 * max(width, height)
    length = min(max(dist - edge - gap, minimum), maximum)
    blockers = list(faces or []) + ([request.keep_out] if request.keep_out is not None else [])
    for face in blockers:
        entry = _ray_box_entry((cx, cy), (ux, uy), _grown(face, 0.25 * gap))
        if entry is not None:
            length = min(length, max(0.0, entry - edge))
    length = max(length, 0.0)
    tip = (cx + ux * (edge + length), cy + uy * (edge + length))
    return (min(max(tip[0], panel[0]), panel[2]), min(max(tip[1], panel[1]), panel[3]))


def _grown(box: Box, by: float) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _ray_box_entry(origin: Point, direction: Point, box: Box) -> float | None:
    """Distance along the ray where it enters `box` (slab method); None if it misses it."""
    t_near, t_far = -math.inf, math.inf
    for o, d, low, high in ((origin[0], direction[0], box[0], box[2]), (origin[1], direction[1], box[1], box[3])):
        if abs(d) < 1e-12:
            if o < low or o > high:
                return None
            continue
        t1, t2 = (low - o) / d, (high - o) / d
        t_near, t_far = max(t_near, min(t1, t2)), min(t_far, max(t1, t2))
    if t_near > t_far or t_far < 0:
        return None
    return max(0.0, t_near)
