"""Letters one panel: fits each balloon's text, places balloons in reading order, draws them.

`plan_panel` does the geometry (no pixels) and returns the plan plus the issues; `draw_plan` draws a
plan onto the page. `letter_panel` does both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image, ImageDraw, features

from ..fonts import FontChoice, FontError, resolve_font
from ..model import Panel
from .placement import Avoid, Request, place_all, reading_order_breaks
from .sfx import render_sfx, rotated_size, sfx_angle, sfx_seed
from .shapes import BalloonShape, draw_balloon
from .style import LetteringStyle
from .textfit import TextBlock, display_text, fit_text

Severity = Literal["error", "warning"]
W_FIGURE = 3.0  # a detected body: lettering may cover it, but prefers not to


@dataclass(frozen=True)
class LetteringIssue:
    """A problem with one piece of lettering. `index` is its position in the panel's dialogue."""

    page: int
    panel: int
    index: int
    kind: str
    speaker: str | None
    severity: Severity
    message: str

    def describe(self) -> str:
        who = self.speaker or self.kind
        return f"Page {self.page} panel {self.panel}, {who} (item {self.index + 1}): {self.message}"


@dataclass(frozen=True)
class PlacedItem:
    index: int
    kind: str
    text: str
    font: FontChoice
    block: TextBlock | None  # None for SFX
    body: tuple[float, float, float, float]
    tail_tip: tuple[float, float] | None
    break_border: bool = False


@dataclass(frozen=True)
class PanelPlan:
    page: int
    panel: int
    box: tuple[int, int, int, int]
    items: tuple[PlacedItem, ...]
    outline_px: float


_RAQM = None


def has_raqm() -> bool:
    global _RAQM
    if _RAQM is None:
        _RAQM = bool(features.check("raqm"))
    return _RAQM


def _role(kind: str) -> str:
    return {"caption": "caption", "sfx": "sfx"}.get(kind, "dialogue")


def _choose_font(kind: str, text: str, style: LetteringStyle, size: int, issues: list[str]) -> FontChoice:
    preferred = style.font_for(kind)
    try:
        return resolve_font(_role(kind), text, preferred=preferred, size=size)  # type: ignore[arg-type]
    except FontError as exc:
        issues.append(str(exc))
        try:
            return resolve_font(_role(kind), text, size=size)  # type: ignore[arg-type]
        except FontError:
            return resolve_font(_role(kind), "A", size=size)  # type: ignore[arg-type]


def plan_panel(
    panel: Panel,
    box: tuple[int, int, int, int],
    *,
    page_number: int,
    px_per_pt: float,
    rtl: bool = False,
    language: str = "en",
    style: LetteringStyle | None = None,
    limit: tuple[int, int, int, int] | None = None,
    figures: tuple[tuple[float, float, float, float], ...] = (),
) -> tuple[PanelPlan, list[LetteringIssue]]:
    """Fit and place the panel's lettering inside `box` (page pixels), and inside `limit` (the
    page's safe area) when given. `figures` are detected bodies (panel fractions), kept off weakly."""
    style = style or LetteringStyle()
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    issues: list[LetteringIssue] = []
    fitted = [
        _fit_item(panel, index, width, height, px_per_pt, style, language, page_number, issues)
        for index in range(len(panel.dialogue))
    ]
    requests = [
        Request(
            item.variants[0][1],
            item.variants[0][2],
            panel.dialogue[item.index].kind,
            anchor=speaker_anchor(panel, panel.dialogue[item.index].speaker, box),
            keep_out=speaker_face(panel, panel.dialogue[item.index].speaker, box),
            pinned=_pinned(panel.dialogue[item.index].position, box),
            off_panel=panel.dialogue[item.index].off_panel,
            break_border=panel.dialogue[item.index].break_border,
            alternatives=tuple((w, h) for _block, w, h in item.variants[1:]),
        )
        for item in fitted
    ]
    avoid = avoid_regions(panel, box) + [
        Avoid((*_to_px(box, f[0], f[1]), *_to_px(box, f[2], f[3])), W_FIGURE) for f in figures
    ]
    placements = place_all(requests, (left, top, right, bottom), avoid, rtl=rtl, limit=limit)
    items = []
    for item, placement in zip(fitted, placements):
        for what in placement.overlaps:
            issues.append(_issue(page_number, panel, item.index, "warning", f"could not be kept off {what}"))
        if placement.squeezed and not any(i.index == item.index and i.severity == "error" for i in issues):
            issues.append(
                _issue(
                    page_number,
                    panel,
                    item.index,
                    "error",
                    "the balloon is larger than its panel; it was drawn inside the panel "
                    "and its text is cut at the border, shorten the text or split it",
                )
            )
        block = item.variants[placement.variant][0]
        balloon = panel.dialogue[item.index]
        items.append(
            PlacedItem(
                item.index,
                balloon.kind,
                item.text,
                item.font,
                block,
                placement.body,
                placement.tail_tip,
                balloon.break_border,
            )
        )
    kinds = [panel.dialogue[item.index].kind for item in fitted]
    for earlier, later in reading_order_breaks([p.body for p in placements], kinds, rtl=rtl):
        issues.append(
            _issue(
                page_number,
                panel,
                fitted[later].index,
                "warning",
                f"reads before item {fitted[earlier].index + 1} on the "
                f"{'right-to-left' if rtl else 'left-to-right'} Z-path; "
                "there is no room to place it in script order, move it with @x/y or shorten the text",
            )
        )
    return PanelPlan(page_number, panel.number, box, tuple(items), max(1.0, style.outline_pt * px_per_pt)), issues


@dataclass(frozen=True)
class _Fitted:
    index: int
    text: str
    font: FontChoice
    variants: tuple[tuple[TextBlock | None, float, float], ...]  # (block, body width, body height), preferred first


_BODY_SCALE = {"thought": (1.22, 1.32), "shout": (1.3, 1.42)}
NARROW_FACTOR = 0.62  # a narrower, taller wrap offered to the placer when space is tight


def _fit_item(
    panel: Panel,
    index: int,
    width: int,
    height: int,
    px_per_pt: float,
    style: LetteringStyle,
    language: str,
    page_number: int,
    issues: list[LetteringIssue],
) -> _Fitted:
    balloon = panel.dialogue[index]
    text = balloon.text.upper() if style.uppercase and balloon.kind != "sfx" else balloon.text
    font_problems: list[str] = []
    if balloon.kind == "sfx":
        max_size = max(
            8, int(style.sfx_pt * px_per_pt), int(height * style.sfx_panel_fraction)
        )  # big panels, big sounds
        font = _choose_font("sfx", text, style, max_size, font_problems)
        probe = font.load().getbbox(text)
        scale = min(1.0, 0.7 * width / max(1, probe[2] - probe[0]), 0.3 * height / max(1, probe[3] - probe[1]))
        font = font.with_size(max(8, int(max_size * scale)))
        bbox = font.load().getbbox(text, stroke_width=max(2, round(font.size * 0.09)))
        w, h = rotated_size(bbox[2] - bbox[0], bbox[3] - bbox[1], sfx_angle(text))
        result = _Fitted(index, text, font, ((None, w, h),))
    else:
        pts = style.caption_pt if balloon.kind == "caption" else style.dialogue_pt
        pts *= {"whisper": 0.92, "shout": 1.2}.get(balloon.kind, 1.0)
        max_size = max(6, int(round(pts * px_per_pt)))
        min_size = max(6, min(max_size, int(round(style.min_pt * px_per_pt))))
        font = _choose_font(balloon.kind, text, style, max_size, font_problems)
        shape = "box" if balloon.kind == "caption" else "ellipse"
        max_width = int(width * (style.caption_width if shape == "box" else style.balloon_width))

        def fit(limit_width: int, low: int, high: int) -> TextBlock:
            return fit_text(
                text,
                lambda size: font.with_size(size).load(),
                shape=shape,
                min_size=low,
                max_size=high,
                max_width=limit_width,
                max_height=int(height * style.balloon_height),
                language=language,
                raqm=has_raqm(),
            )

        block = fit(max_width, min_size, max_size)
        if not block.fits:
            issues.append(
                _issue(
                    page_number,
                    panel,
                    index,
                    "error",
                    f"the text does not fit even at the minimum size ({style.min_pt:g} pt); "
                    "it is drawn inside its panel but overflows its balloon, "
                    "shorten the text or split it",
                )
            )
        sx, sy = _BODY_SCALE.get(balloon.kind, (1.0, 1.0))
        variants = [(block, block.shape_width * sx, block.shape_height * sy)]
        if shape == "ellipse" and block.fits and len(block.lines) < 6:
            narrow = fit(int(block.shape_width * NARROW_FACTOR), block.size, block.size)
            if narrow.fits and narrow.size == block.size and narrow.shape_width < block.shape_width * 0.85:
                variants.append((narrow, narrow.shape_width * sx, narrow.shape_height * sy))
        result = _Fitted(index, text, font.with_size(block.size), tuple(variants))
    for problem in font_problems:
        issues.append(_issue(page_number, panel, index, "error", problem))
    return result


def _issue(page: int, panel: Panel, index: int, severity: Severity, message: str) -> LetteringIssue:
    balloon = panel.dialogue[index]
    return LetteringIssue(page, panel.number, index, balloon.kind, balloon.speaker, severity, message)


def _to_px(box: tuple[int, int, int, int], x: float, y: float) -> tuple[float, float]:
    return (box[0] + x * (box[2] - box[0]), box[1] + y * (box[3] - box[1]))


def _pinned(position: Any, box: tuple[int, int, int, int]) -> tuple[float, float] | None:
    return _to_px(box, position.x, position.y) if position is not None else None


def speaker_face(
    panel: Panel, speaker: str | None, box: tuple[int, int, int, int]
) -> tuple[float, float, float, float] | None:
    """The speaker's detected face box in page pixels, if any (tails stop before it)."""
    if not speaker:
        return None
    for name, face in panel.faces.items():
        if name.casefold() == speaker.casefold():
            return (*_to_px(box, face.left, face.top), *_to_px(box, face.right, face.bottom))
    return None


def speaker_anchor(panel: Panel, speaker: str | None, box: tuple[int, int, int, int]) -> tuple[float, float] | None:
    """Where a speaker's mouth is: from a detected face box, a stated position, or the order of the
    panel's character list; None when the speaker is not known to be in the panel."""
    if not speaker:
        return None
    key = speaker.casefold()
    for name, face in panel.faces.items():
        if name.casefold() == key:
            return _to_px(box, (face.left + face.right) / 2, face.top + (face.bottom - face.top) * 0.78)
    for name, point in panel.character_positions.items():
        if name.casefold() == key:
            return _to_px(box, point.x, min(1.0, point.y + 0.06))
    names = [n.casefold() for n in panel.characters]
    if key in names:
        return _to_px(box, (names.index(key) + 1) / (len(names) + 1), 0.46)
    return None


def avoid_regions(panel: Panel, box: tuple[int, int, int, int]) -> list[Avoid]:
    """Faces (strong) and head zones around stated character positions (weaker)."""
    regions = [
        Avoid((*_to_px(box, f.left, f.top), *_to_px(box, f.right, f.bottom)), 30.0) for f in panel.faces.values()
    ]
    for name, point in panel.character_positions.items():
        if name in panel.faces:
            continue
        regions.append(
            Avoid(
                (
                    *_to_px(box, max(0, point.x - 0.1), max(0, point.y - 0.12)),
                    *_to_px(box, min(1, point.x + 0.1), min(1, point.y + 0.14)),
                ),
                8.0,
            )
        )
    return regions


def draw_plan(page: Image.Image, plan: PanelPlan, *, style: LetteringStyle | None = None) -> None:
    """Draw a panel's planned lettering onto the RGB page, in place. Lettering stays inside the panel
    (what would spill over the border is cut), except balloons the script lets break the border."""
    style = style or LetteringStyle()
    inside = [item for item in plan.items if not item.break_border]
    region = _spill(plan, inside)
    before = page.crop(region) if region else None
    for item in inside:
        _draw_item(page, item, plan.outline_px, style)
    if region and before is not None:
        _restore_outside(page, before, plan.box, region)
    for item in plan.items:
        if item.break_border:
            _draw_item(page, item, plan.outline_px, style)


def _draw_item(page: Image.Image, item: PlacedItem, outline_px: float, style: LetteringStyle) -> None:
    raqm = has_raqm()
    if item.kind == "sfx":
        tile = render_sfx(item.text, item.font.load(), raqm=raqm)
        cx, cy = (item.body[0] + item.body[2]) / 2, (item.body[1] + item.body[3]) / 2
        page.paste(tile, (int(cx - tile.width / 2), int(cy - tile.height / 2)), tile)
        return
    fill = style.caption_fill if item.kind == "caption" else style.balloon_fill
    draw_balloon(
        page,
        BalloonShape(item.kind, item.body, item.tail_tip, outline_px, seed=sfx_seed(item.text)),
        fill=fill,
        ink=style.ink,
        scale=style.supersample,
    )
    assert item.block is not None
    draw = ImageDraw.Draw(page)
    font = item.font.load()
    cx = (item.body[0] + item.body[2]) / 2
    cy = (item.body[1] + item.body[3]) / 2
    y = cy - item.block.text_height / 2
    for line in item.block.lines:
        shown = display_text(line, raqm=raqm)
        draw.text((cx, y + item.block.line_height / 2), shown, font=font, fill=style.ink, anchor="mm")
        y += item.block.line_height


def _spill(plan: PanelPlan, items: list[PlacedItem]) -> tuple[int, int, int, int] | None:
    """The page region lettering is drawn in when some of it could reach past the panel's border
    (a squeezed balloon's text, an outline at the edge); None when all of it stays inside."""
    left, top, right, bottom = plan.box
    xs: list[float] = []
    ys: list[float] = []
    for item in items:
        body_w, body_h = item.body[2] - item.body[0], item.body[3] - item.body[1]
        pad = 4 * plan.outline_px + 2
        pad_x = pad + (max(0, item.block.shape_width - body_w) / 2 + item.block.size if item.block else body_w * 0.3)
        pad_y = pad + (max(0, item.block.text_height - body_h) / 2 if item.block else body_h * 0.3)
        xs += [item.body[0] - pad_x, item.body[2] + pad_x]
        ys += [item.body[1] - pad_y, item.body[3] + pad_y]
        if item.tail_tip is not None:
            xs += [item.tail_tip[0] - pad, item.tail_tip[0] + pad]
            ys += [item.tail_tip[1] - pad, item.tail_tip[1] + pad]
    if not xs or (min(xs) >= left and min(ys) >= top and max(xs) <= right and max(ys) <= bottom):
        return None
    return (
        int(min(min(xs), left)),
        int(min(min(ys), top)),
        int(max(max(xs), right)) + 1,
        int(max(max(ys), bottom)) + 1,
    )


def _restore_outside(
    page: Image.Image, before: Image.Image, box: tuple[int, int, int, int], region: tuple[int, int, int, int]
) -> None:
    """Put back the pixels of `region` that lie outside the panel `box`: lettering stays in its panel."""
    inside = page.crop(box)
    page.paste(before, region[:2])
    page.paste(inside, box[:2])


def letter_panel(
    page: Image.Image, panel: Panel, box: tuple[int, int, int, int], **kwargs: Any
) -> list[LetteringIssue]:
    """Plan and draw a panel's lettering onto `page`; returns the issues (see `plan_panel`)."""
    plan, issues = plan_panel(panel, box, **kwargs)
    draw_plan(page, plan, style=kwargs.get("style"))
    return issues
