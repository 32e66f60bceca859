"""Motion comic: a video that pans and zooms across a composed page's panels in reading order, with
the balloons appearing one after another as a reader would read them.

The page is composed without lettering at a resolution fitted to the output; each balloon is drawn
onto the page at its cue (with a short fade), so the lettering is exactly the book's. A panel can
carry a clip (e.g. from the image-to-video workflow) that plays inside its frame while the camera
holds on it. Frames stream straight into ffmpeg: memory does not grow with the video's length.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..comic.compose import ComposeOptions, compose_page, px_per_point
from ..comic.layout import PageLayout, layout_page
from ..comic.lettering.letterer import PanelPlan, PlacedItem, draw_plan, plan_panel
from ..comic.model import Book, Page
from ..comic.panel_images import cover_crop
from ..errors import InkframeError
from ..media import EncodeOptions, VideoWriter, iter_frames
from .camera import Shot, fit_rect, sample_camera, total_duration

PanelArt = Image.Image | Path | str | None


class MotionComicError(InkframeError):
    """A page or an option a motion comic cannot be made from."""


@dataclass(frozen=True)
class MotionComicOptions:
    width: int = 1920
    height: int = 1080
    fps: int = 30
    codec: str = "h264"
    intro_s: float = 1.5  # the whole page, before the first panel
    outro_s: float = 1.0  # the whole page again, at the end
    move_s: float = 0.8  # camera move between panels
    panel_min_s: float = 1.5  # shortest hold on a panel
    words_per_second: float = 3.5  # reading speed that times the balloons
    balloon_lead_s: float = 0.3  # pause before the first balloon of a panel
    fade_s: float = 0.25  # balloon fade-in
    oversample: float = 1.5  # page pixels per output pixel when the whole page is shown
    dim_others: float = 0.45  # how much the rest of the page darkens while a panel is read (0: not at all)
    background: tuple[int, int, int] = (16, 16, 16)

    def validate(self) -> None:
        if self.width % 2 or self.height % 2 or self.width < 64 or self.height < 64:
            raise MotionComicError(f"output size {self.width}x{self.height} must be even and at least 64x64.")
        if not 1 <= self.fps <= 120:
            raise MotionComicError(f"fps {self.fps} must be between 1 and 120.")
        if self.words_per_second <= 0:
            raise MotionComicError(f"words_per_second {self.words_per_second} must be above 0.")


@dataclass(frozen=True)
class BalloonCue:
    panel_number: int
    item: PlacedItem
    at_s: float  # seconds from the start of the page's video


@dataclass(frozen=True)
class PanelTiming:
    page_number: int
    panel_number: int
    start_s: float  # when the camera starts holding on the panel
    end_s: float


@dataclass
class PageTimeline:
    page_number: int
    layout: PageLayout
    shots: list[Shot]
    cues: list[BalloonCue]
    panels: list[PanelTiming]
    plans: dict[int, PanelPlan]

    @property
    def duration_s(self) -> float:
        return total_duration(self.shots)


@dataclass
class MotionComicResult:
    path: Path
    frames: int
    duration_s: float
    panels: list[PanelTiming] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def reading_time(item: PlacedItem, options: MotionComicOptions) -> float:
    words = max(1, len(item.text.split()))
    return max(0.8, words / options.words_per_second)


def page_dpi_for(book: Book, page: Page, options: MotionComicOptions) -> int:
    """The DPI at which the whole page is `oversample` times the output height."""
    probe = layout_page(page, page_size=book.page_size, dpi=100, reading_direction=book.reading_direction)
    height_px = probe.geometry.height_px or probe.size[1]
    dpi = round(100 * options.height * options.oversample / max(1, height_px))
    return max(36, min(600, dpi))


def plan_timeline(book: Book, page: Page, layout: PageLayout, options: MotionComicOptions) -> PageTimeline:
    """Shots and balloon cues for one page: whole page, each panel in reading order, whole page."""
    aspect = options.width / options.height
    size = layout.size
    whole = fit_rect((0, 0, size[0], size[1]), aspect, size, margin=0.02)
    shots = [Shot(whole, 0.0, options.intro_s)]
    cues: list[BalloonCue] = []
    timings: list[PanelTiming] = []
    plans: dict[int, PanelPlan] = {}
    elapsed = options.intro_s
    panels = {panel.number: panel for panel in page.panels}
    for slot in sorted(layout.slots, key=lambda s: s.order):
        panel = panels[slot.panel_number]
        plan, _issues = plan_panel(
            panel,
            slot.box.as_tuple(),
            page_number=page.number,
            px_per_pt=px_per_point(layout),
            rtl=book.reading_direction == "rtl",
            language=book.language,
            limit=layout.geometry.safe_box,
        )
        plans[panel.number] = plan
        hold_start = elapsed + options.move_s
        panel_rect = fit_rect(slot.box.as_tuple(), aspect, size)
        groups = readable_groups(plan, panel_rect, aspect, options)
        if groups is None:  # the lettering reads at the panel's framing: one shot
            at = hold_start + options.balloon_lead_s
            for item in plan.items:
                cues.append(BalloonCue(panel.number, item, at))
                at += reading_time(item, options)
            hold = max(options.panel_min_s, at - hold_start + 0.4)
            shots.append(Shot(panel_rect, options.move_s, hold, panel.number))
            elapsed = hold_start + hold
        else:  # a splash or any big panel: show it, then visit each balloon group close enough to read
            shots.append(Shot(panel_rect, options.move_s, options.panel_min_s, panel.number))
            elapsed = hold_start + options.panel_min_s
            for rect, items in groups:
                group_start = elapsed + options.move_s
                at = group_start + options.balloon_lead_s
                for item in items:
                    cues.append(BalloonCue(panel.number, item, at))
                    at += reading_time(item, options)
                hold = max(options.panel_min_s * 0.6, at - group_start + 0.4)
                shots.append(Shot(rect, options.move_s, hold, panel.number))
                elapsed = group_start + hold
        timings.append(PanelTiming(page.number, panel.number, hold_start, elapsed))
    shots.append(Shot(whole, options.move_s, options.outro_s))
    return PageTimeline(page.number, layout, shots, cues, timings, plans)


READABLE_TEXT = 0.028  # lettering should stand at least this fraction of the output's height (20 px at 720p)
_GROUP_MARGIN = 0.04


def _item_box(item: PlacedItem) -> tuple[float, float, float, float]:
    left, top, right, bottom = item.body
    if item.tail_tip is not None:
        left, top = min(left, item.tail_tip[0]), min(top, item.tail_tip[1])
        right, bottom = max(right, item.tail_tip[0]), max(bottom, item.tail_tip[1])
    return (left, top, right, bottom)


def readable_groups(
    plan: PanelPlan, panel_rect: tuple[float, float, float, float], aspect: float, options: MotionComicOptions
) -> list[tuple[tuple[float, float, float, float], list[PlacedItem]]] | None:
    """None when the panel's lettering is readable with the camera on the whole panel; otherwise the
    balloons in reading order grouped so that each group fits one camera rectangle in which the text
    stands at least READABLE_TEXT of the output height, with that rectangle."""
    sizes = [item.font.size for item in plan.items if item.kind != "sfx"]
    if not sizes:
        return None
    text = min(sizes)
    if text / (panel_rect[3] - panel_rect[1]) >= READABLE_TEXT:
        return None
    max_h = (
        text / READABLE_TEXT / (1 + 2 * _GROUP_MARGIN)
    )  # the tallest box whose camera rectangle keeps the text readable
    max_w = max_h * aspect
    groups: list[list[PlacedItem]] = []
    for item in plan.items:
        if groups:
            union = _union([_item_box(i) for i in groups[-1]] + [_item_box(item)])
            if union[2] - union[0] <= max_w and union[3] - union[1] <= max_h:
                groups[-1].append(item)
                continue
        groups.append([item])
    out = []
    for items in groups:
        union = _union([_item_box(i) for i in items])
        cx, cy = (union[0] + union[2]) / 2, (union[1] + union[3]) / 2
        width, height = max(union[2] - union[0], max_w), max(union[3] - union[1], max_h)
        box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
        rect = fit_rect(box, aspect, (10**9, 10**9), margin=_GROUP_MARGIN)
        # keep the rectangle over the panel where it can be
        rect = _shift_inside(rect, panel_rect)
        out.append((rect, items))
    return out


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _shift_inside(
    rect: tuple[float, float, float, float], bounds: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    left, top, right, bottom = rect
    dx = max(0.0, bounds[0] - left) - max(0.0, right - bounds[2]) if right - left <= bounds[2] - bounds[0] else 0.0
    dy = max(0.0, bounds[1] - top) - max(0.0, bottom - bounds[3]) if bottom - top <= bounds[3] - bounds[1] else 0.0
    return (left + dx, top + dy, right + dx, bottom + dy)


def _draw_items(canvas: Image.Image, plan: PanelPlan, items: list[PlacedItem]) -> None:
    draw_plan(canvas, dataclasses.replace(plan, items=tuple(items)))


class _PageRenderer:
    """Produces the page state (art + balloons shown so far) at any time, cheaply and in order."""

    def __init__(
        self, base: Image.Image, timeline: PageTimeline, options: MotionComicOptions, clips: Mapping[int, Path]
    ) -> None:
        self.timeline, self.options = timeline, options
        self.state = base.copy()
        self.previous = np.asarray(self.state).copy()
        self.current = self.previous
        self.shown = 0
        self.clips = dict(clips)
        self._clip_frames: dict[int, Iterator[np.ndarray]] = {}
        self._last_clip_frame: dict[int, np.ndarray] = {}

    def page_at(self, time_s: float, shot_panel: int | None) -> np.ndarray:
        cues = self.timeline.cues
        while self.shown < len(cues) and cues[self.shown].at_s <= time_s:
            cue = cues[self.shown]
            self.previous = self.current
            _draw_items(self.state, self.timeline.plans[cue.panel_number], [cue.item])
            self.current = np.asarray(self.state).copy()
            self.shown += 1
        page = self.current
        if self.shown and self.options.fade_s > 0:
            since = time_s - cues[self.shown - 1].at_s
            if since < self.options.fade_s:
                alpha = since / self.options.fade_s
                page = cv2.addWeighted(self.previous, 1 - alpha, self.current, alpha, 0)
        if shot_panel is not None and shot_panel in self.clips:
            page = self._with_clip(page, shot_panel, time_s)
        return page

    def _with_clip(self, page: np.ndarray, panel_number: int, time_s: float) -> np.ndarray:
        if panel_number not in self._clip_frames:
            self._clip_frames[panel_number] = iter_frames(self.clips[panel_number])
        frame = next(self._clip_frames[panel_number], None)
        if frame is None:
            frame = self._last_clip_frame.get(panel_number)
            if frame is None:
                return page
        self._last_clip_frame[panel_number] = frame
        box = self.timeline.layout.slot(panel_number).box
        tile = cover_crop(Image.fromarray(frame), (box.width, box.height))
        canvas = Image.fromarray(page)
        canvas.paste(tile, (box.left, box.top))
        plan = self.timeline.plans[panel_number]
        visible = [cue.item for cue in self.timeline.cues[: self.shown] if cue.panel_number == panel_number]
        _draw_items(canvas, plan, visible)
        return np.asarray(canvas)


def spotlight(
    timeline: PageTimeline, shot_index: int, progress: float, options: MotionComicOptions
) -> tuple[int | None, float]:
    """(panel to keep lit, how much to darken the rest): fades out over the first half of a move
    and back in, on the next panel, over the second half."""
    shots = timeline.shots
    if progress >= 1.0:
        return shots[shot_index].panel_number, options.dim_others
    if progress < 0.5:
        return shots[shot_index - 1].panel_number, options.dim_others * (1 - 2 * progress)
    return shots[shot_index].panel_number, options.dim_others * (2 * progress - 1)


def _dim_outside(frame: np.ndarray, box: tuple[float, float, float, float], amount: float) -> np.ndarray:
    height, width = frame.shape[:2]
    left, top = max(0, int(round(box[0]))), max(0, int(round(box[1])))
    right, bottom = min(width, int(round(box[2]))), min(height, int(round(box[3])))
    table = np.clip(np.arange(256) * (1.0 - amount) + 0.5, 0, 255).astype(np.uint8)
    dimmed = cv2.LUT(frame, table)  # a lookup instead of float arithmetic on the whole frame
    if right > left and bottom > top:
        dimmed[top:bottom, left:right] = frame[top:bottom, left:right]
    return dimmed


def _camera_frame(page: np.ndarray, rect: tuple[float, float, float, float], options: MotionComicOptions) -> np.ndarray:
    scale = options.width / (rect[2] - rect[0])
    matrix = np.float32([[scale, 0, -rect[0] * scale], [0, scale, -rect[1] * scale]])
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    if scale < 0.75:  # pre-shrink so a zoomed-out view is not aliased
        small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        matrix = np.float32([[1, 0, -rect[0] * scale], [0, 1, -rect[1] * scale]])
        page, interpolation = small, cv2.INTER_LINEAR
    return cv2.warpAffine(
        page,
        matrix,
        (options.width, options.height),
        flags=interpolation,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=options.background,
    )


def render_motion_comic(
    book: Book,
    art: Mapping[tuple[int, int], PanelArt],
    out_path: Path,
    *,
    options: MotionComicOptions | None = None,
    page_numbers: list[int] | None = None,
    panel_clips: Mapping[tuple[int, int], Path] | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> MotionComicResult:
    """Render the chosen pages (default: all) one after another into one video at `out_path`.

    `art` maps (page, panel) to the panel image (None: a marked placeholder); `panel_clips` maps
    (page, panel) to a video that plays inside that panel while the camera holds on it.
    `on_frame(done, total)` reports progress."""
    options = options or MotionComicOptions()
    options.validate()
    pages = [p for p in book.pages if page_numbers is None or p.number in page_numbers]
    if not pages:
        wanted = ", ".join(str(n) for n in page_numbers or [])
        raise MotionComicError(
            f"the book has no page {wanted}; it has pages {', '.join(str(p.number) for p in book.pages)}."
        )
    clips = dict(panel_clips or {})
    for key, clip in clips.items():
        if not Path(clip).is_file():
            raise MotionComicError(f"clip {clip} for page {key[0]} panel {key[1]} does not exist.")
    result = MotionComicResult(out_path, 0, 0.0)
    prepared = []
    for page in pages:
        dpi = page_dpi_for(book, page, options)
        scaled = book.model_copy(update={"dpi": dpi})
        layout = layout_page(page, page_size=scaled.page_size, dpi=dpi, reading_direction=scaled.reading_direction)
        composed = compose_page(
            scaled,
            page,
            {p.number: art.get((page.number, p.number)) for p in page.panels},
            options=ComposeOptions(letter=False),
            layout=layout,
        )
        result.warnings.extend(composed.warnings)
        timeline = plan_timeline(scaled, page, layout, options)
        prepared.append((composed.image, timeline))
    total_frames = sum(round(t.duration_s * options.fps) for _, t in prepared)
    offset = 0.0
    encode = EncodeOptions(codec=options.codec, fps=Fraction(options.fps))
    with VideoWriter(out_path, options.width, options.height, encode) as writer:
        for base, timeline in prepared:
            page_clips = {
                panel: path for (page_number, panel), path in clips.items() if page_number == timeline.page_number
            }
            renderer = _PageRenderer(base, timeline, options, page_clips)
            frames = round(timeline.duration_s * options.fps)
            for index in range(frames):
                time_s = index / options.fps
                sample = sample_camera(timeline.shots, time_s)
                shot = timeline.shots[sample.shot_index]
                panel = shot.panel_number if sample.time_in_hold is not None else None
                frame = _camera_frame(renderer.page_at(time_s, panel), sample.rect, options)
                lit, amount = spotlight(timeline, sample.shot_index, sample.move_progress, options)
                if lit is not None and amount > 0.01:
                    box = timeline.layout.slot(lit).box
                    scale = options.width / (sample.rect[2] - sample.rect[0])
                    frame = _dim_outside(
                        frame,
                        (
                            (box.left - sample.rect[0]) * scale,
                            (box.top - sample.rect[1]) * scale,
                            (box.right - sample.rect[0]) * scale,
                            (box.bottom - sample.rect[1]) * scale,
                        ),
                        amount,
                    )
                writer.write(frame)
                result.frames += 1
                if on_frame:
                    on_frame(result.frames, total_frames)
            result.panels.extend(
                dataclasses.replace(p, start_s=p.start_s + offset, end_s=p.end_s + offset) for p in timeline.panels
            )
            offset += frames / options.fps
    result.duration_s = result.frames / options.fps
    return result
