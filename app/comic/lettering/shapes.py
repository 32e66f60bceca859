"""Balloon shapes drawn anti-aliased: each shape is drawn `scale` times larger into two masks
(coverage and ink), reduced with a box filter, and composited onto the page.

Kinds: speech (oval), thought (cloud with bubble tail), whisper (dashed oval), shout (jagged burst),
electronic (oval with a lightning tail), caption (box). Tails are curved wedges from inside the body
to the tip; the union of body and tail gets one outline.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

Point = tuple[float, float]
Color = tuple[int, int, int]


@dataclass(frozen=True)
class BalloonShape:
    """Where a balloon is drawn, in page pixels. `body` is (left, top, right, bottom)."""

    kind: str
    body: tuple[float, float, float, float]
    tail_tip: Point | None
    outline: float  # outline width in pixels
    seed: int = 0

    @property
    def center(self) -> Point:
        left, top, right, bottom = self.body
        return ((left + right) / 2, (top + bottom) / 2)

    @property
    def radii(self) -> tuple[float, float]:
        left, top, right, bottom = self.body
        return ((right - left) / 2, (bottom - top) / 2)


def draw_balloon(
    page: Image.Image, shape: BalloonShape, *, fill: Color = (255, 255, 255), ink: Color = (0, 0, 0), scale: int = 3
) -> None:
    """Draw `shape` onto the RGB `page` in place."""
    margin = shape.outline * 2 + max(shape.radii) * 0.2 + 4
    points = [(shape.body[0], shape.body[1]), (shape.body[2], shape.body[3])]
    if shape.tail_tip is not None:
        points.append(shape.tail_tip)
    x0 = max(0, int(math.floor(min(p[0] for p in points) - margin)))
    y0 = max(0, int(math.floor(min(p[1] for p in points) - margin)))
    x1 = min(page.width, int(math.ceil(max(p[0] for p in points) + margin)))
    y1 = min(page.height, int(math.ceil(max(p[1] for p in points) + margin)))
    if x1 <= x0 or y1 <= y0:
        return
    size = ((x1 - x0) * scale, (y1 - y0) * scale)
    cover, outline = Image.new("L", size, 0), Image.new("L", size, 0)
    _Painter(shape, (x0, y0), scale, ImageDraw.Draw(cover), ImageDraw.Draw(outline)).paint()
    box = (x0, y0, x1, y1)
    region = page.crop(box)
    region.paste(fill, (0, 0, region.width, region.height), cover.reduce(scale))
    region.paste(ink, (0, 0, region.width, region.height), outline.reduce(scale))
    page.paste(region, box)


class _Painter:
    def __init__(
        self,
        shape: BalloonShape,
        origin: tuple[int, int],
        scale: int,
        cover: ImageDraw.ImageDraw,
        ink: ImageDraw.ImageDraw,
    ) -> None:
        self.shape, self.scale = shape, scale
        self.cover, self.ink = cover, ink
        self.ox, self.oy = origin
        self.ow = max(1.0, shape.outline * scale)
        cx, cy = shape.center
        self.c = self.p((cx, cy))
        rx, ry = shape.radii
        self.a, self.b = rx * scale, ry * scale
        self.tip = self.p(shape.tail_tip) if shape.tail_tip is not None else None
        self.rng = random.Random(shape.seed)

    def p(self, point: Point) -> Point:
        return ((point[0] - self.ox) * self.scale, (point[1] - self.oy) * self.scale)

    def ellipse_box(self, grow: float) -> tuple[float, float, float, float]:
        cx, cy = self.c
        return (cx - self.a - grow, cy - self.b - grow, cx + self.a + grow, cy + self.b + grow)

    def paint(self) -> None:
        getattr(self, f"_paint_{self.shape.kind}", self._paint_speech)()

    # -- solid outlines: ink = grown shape minus shape; cover = grown shape ---------------------------
    def _solid(self, body: list[list[Point]] | None, tail: list[Point] | None, tail_grown: list[Point] | None) -> None:
        ow = self.ow
        for draw, value in ((self.cover, 255), (self.ink, 255)):
            if body is None:
                draw.ellipse(self.ellipse_box(ow), fill=value)
            else:
                draw.polygon(body[1], fill=value)
            if tail_grown:
                draw.polygon(tail_grown, fill=value)
        if body is None:
            self.ink.ellipse(self.ellipse_box(0), fill=0)
        else:
            self.ink.polygon(body[0], fill=0)
        if tail:
            self.ink.polygon(tail, fill=0)

    def _paint_speech(self) -> None:
        tail = self._tail(0) if self.tip else None
        self._solid(None, tail, self._tail(self.ow) if tail else None)

    def _paint_electronic(self) -> None:
        tail = self._tail(0, zigzag=True) if self.tip else None
        self._solid(None, tail, self._tail(self.ow, zigzag=True) if tail else None)

    def _paint_shout(self) -> None:
        spikes = max(14, int((self.a + self.b) / (self.ow * 4.5)))
        spikes = min(spikes, 34)
        jitter = [self.rng.uniform(0.86, 1.0) for _ in range(spikes * 2)]
        tail = self._tail(0) if self.tip else None
        self._solid(
            [self._burst(-self.ow * 1.3, spikes, jitter), self._burst(0, spikes, jitter)],
            tail,
            self._tail(self.ow) if tail else None,
        )

    def _burst(self, grow: float, spikes: int, jitter: list[float]) -> list[Point]:
        cx, cy = self.c
        points = []
        for i in range(spikes * 2):
            angle = math.pi * i / spikes
            depth = 1.0 if i % 2 == 0 else 0.8
            r = depth * (min(1.0, jitter[i]) if i % 2 == 0 else 1.0)
            points.append((cx + (self.a * r + grow) * math.cos(angle), cy + (self.b * r + grow) * math.sin(angle)))
        return points

    def _paint_caption(self) -> None:
        cx, cy = self.c
        box = (cx - self.a, cy - self.b, cx + self.a, cy + self.b)
        self.cover.rectangle(box, fill=255)
        self.ink.rectangle(box, fill=255)
        ow = self.ow
        self.ink.rectangle((box[0] + ow, box[1] + ow, box[2] - ow, box[3] - ow), fill=0)

    def _paint_thought(self) -> None:
        cx, cy = self.c
        bump = max(self.ow * 3, min(self.a, self.b) * 0.26)
        perimeter = math.pi * (3 * (self.a + self.b) - math.sqrt((3 * self.a + self.b) * (self.a + 3 * self.b)))
        count = max(8, int(perimeter / (bump * 1.5)))
        circles = []
        for i in range(count):
            angle = 2 * math.pi * (i + self.rng.uniform(-0.15, 0.15)) / count
            r = bump * self.rng.uniform(0.9, 1.1) - self.ow
            circles.append(
                (cx + (self.a - bump * 1.1) * math.cos(angle), cy + (self.b - bump * 1.1) * math.sin(angle), r)
            )
        bubbles = self._bubbles(bump) if self.tip else []
        ow = self.ow
        for draw in (self.cover, self.ink):
            for x, y, r in circles + bubbles:
                draw.ellipse((x - r - ow, y - r - ow, x + r + ow, y + r + ow), fill=255)
            draw.ellipse(self.ellipse_box(-bump * 1.1 + ow), fill=255)
        for x, y, r in circles:
            self.ink.ellipse((x - r, y - r, x + r, y + r), fill=0)
        self.ink.ellipse(self.ellipse_box(-bump * 1.1 + ow * 0.5), fill=0)
        for x, y, r in bubbles:
            self.ink.ellipse((x - r, y - r, x + r, y + r), fill=0)

    def _bubbles(self, bump: float) -> list[tuple[float, float, float]]:
        assert self.tip is not None
        cx, cy = self.c
        dx, dy = self.tip[0] - cx, self.tip[1] - cy
        dist = math.hypot(dx, dy) or 1.0
        edge = self._edge_distance(dx / dist, dy / dist) + bump * 0.4
        out = []
        for k, frac in enumerate((0.25, 0.6, 0.95)):
            along = edge + (dist - edge) * frac
            r = bump * (0.55 - 0.14 * k)
            out.append((cx + dx / dist * along, cy + dy / dist * along, max(r, self.ow * 1.5)))
        return out

    def _paint_whisper(self) -> None:
        tail = self._tail(0) if self.tip else None
        ow = self.ow
        self.cover.ellipse(self.ellipse_box(ow / 2), fill=255)
        if tail:
            self.cover.polygon(tail, fill=255)
        # dashes along the ellipse, skipping where the tail leaves it
        gap_angles = self._tail_gap() if tail else None
        dash = max(6.0, ow * 3.2)
        perimeter = math.pi * (3 * (self.a + self.b) - math.sqrt((3 * self.a + self.b) * (self.a + 3 * self.b)))
        steps = max(12, int(perimeter / dash) // 2 * 2)
        box = self.ellipse_box(0)
        for i in range(0, steps, 2):
            start, end = 360.0 * i / steps, 360.0 * (i + 1) / steps
            mid = math.radians((start + end) / 2)
            if gap_angles and _angle_between(mid, *gap_angles):
                continue
            self.ink.arc(box, start, end, fill=255, width=int(round(ow)))
        if tail:
            middle = len(tail) // 2
            for edge in (tail[: middle + 1], tail[middle:]):
                outside = [pt for pt in edge if self._outside(pt)]
                for piece in _dashes(outside, dash):
                    self.ink.line(piece, fill=255, width=int(round(ow)), joint="curve")

    # -- tails ---------------------------------------------------------------------------------------
    def _edge_distance(self, ux: float, uy: float) -> float:
        """Distance from the centre to the ellipse edge along the unit vector (ux, uy)."""
        return 1.0 / math.sqrt((ux / max(self.a, 1e-6)) ** 2 + (uy / max(self.b, 1e-6)) ** 2)

    def _outside(self, pt: Point) -> bool:
        cx, cy = self.c
        return ((pt[0] - cx) / self.a) ** 2 + ((pt[1] - cy) / self.b) ** 2 > 1.0

    def _tail_gap(self) -> tuple[float, float]:
        assert self.tip is not None
        cx, cy = self.c
        angle = math.atan2((self.tip[1] - cy) / self.b, (self.tip[0] - cx) / self.a)
        half = 0.3
        return (angle - half, angle + half)

    def _tail(self, grow: float, *, zigzag: bool = False) -> list[Point]:
        """A wedge from inside the body to the tip along a gently curved (or zigzag) centre line,
        its half-width narrowing to zero; `grow` widens it all round by an outline width."""
        assert self.tip is not None
        cx, cy = self.c
        tx, ty = self.tip
        dx, dy = tx - cx, ty - cy
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        px, py = -uy, ux
        half = min(self.a, self.b) * 0.2
        base = self._edge_distance(ux, uy) * 0.55
        start = (cx + ux * base, cy + uy * base)
        length = dist - base
        if zigzag:
            centre = []
            for k in range(6):
                t = k / 5
                swing = 0.0 if k in (0, 5) else (1 if k % 2 else -1) * min(half * 1.4, length * 0.12)
                centre.append((start[0] + ux * length * t + px * swing, start[1] + uy * length * t + py * swing))
            widths = [half * (1 - k / 5) * 0.8 for k in range(6)]
        else:
            bend = length * 0.16 * (1 if self.shape.seed % 2 else -1)
            steps = 14
            centre = []
            for k in range(steps + 1):
                t = k / steps
                offset = 4 * t * (1 - t) * bend
                centre.append((start[0] + ux * length * t + px * offset, start[1] + uy * length * t + py * offset))
            widths = [half * (1 - k / steps) ** 0.9 for k in range(steps + 1)]
        return _offset_polyline(centre, widths, grow)


def _offset_polyline(centre: list[Point], widths: list[float], grow: float) -> list[Point]:
    """The outline polygon of a stroke along `centre` with half-widths `widths` (+ grow), tip at the end."""
    n = len(centre)
    left, right = [], []
    for k in range(n - 1):
        a = centre[max(0, k - 1)]
        b = centre[min(n - 1, k + 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / norm, dx / norm
        w = widths[k] + grow
        left.append((centre[k][0] + nx * w, centre[k][1] + ny * w))
        right.append((centre[k][0] - nx * w, centre[k][1] - ny * w))
    ex, ey = centre[-1][0] - centre[-2][0], centre[-1][1] - centre[-2][1]
    norm = math.hypot(ex, ey) or 1.0
    tip = (centre[-1][0] + ex / norm * grow * 2.2, centre[-1][1] + ey / norm * grow * 2.2)
    return left + [tip] + list(reversed(right))


def _dashes(points: list[Point], dash: float) -> list[list[Point]]:
    """Split a polyline into dashes `dash` long with equal gaps."""
    out: list[list[Point]] = []
    current: list[Point] = []
    travelled, on = 0.0, True
    for a, b in zip(points, points[1:]):
        seg = math.hypot(b[0] - a[0], b[1] - a[1])
        pos = 0.0
        while pos < seg:
            step = min(dash - travelled, seg - pos)
            t0, t1 = pos / seg, (pos + step) / seg
            p0 = (a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0)
            p1 = (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)
            if on:
                if not current:
                    current.append(p0)
                current.append(p1)
            pos += step
            travelled += step
            if travelled >= dash - 1e-9:
                if on and current:
                    out.append(current)
                current, travelled, on = [], 0.0, not on
    if on and len(current) > 1:
        out.append(current)
    return out


def _angle_between(angle: float, low: float, high: float) -> bool:
    two_pi = 2 * math.pi
    return (angle - low) % two_pi <= (high - low) % two_pi


def tail_outline(shape: BalloonShape) -> list[Point]:
    """The tail's outline polygon in page pixels (empty without a tail), as `draw_balloon` draws it
    before the outline width is added."""
    if shape.tail_tip is None:
        return []
    return [(x + 0.0, y + 0.0) for x, y in _Painter(shape, (0, 0), 1, None, None)._tail(0)]  # type: ignore[arg-type]
