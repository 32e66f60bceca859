"""The Comic workspace's view of a book: the panel strip under the page preview, and which balloon a click
on the preview hits.

    cards = panel_cards(output_dir, script_text, draft)   # one PanelCard per panel, build state and scores
    pick = balloon_at_point(draft, page=1, x_px=412, y_px=230)   # BalloonPick(panel=2, index=0) or None
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from ..comic.hit_test import balloon_at
from ..comic.model import Book
from . import book_session_service as books
from .compose_service import ComposeDraft
from .script_check_service import check_script_text

NO_ART_NAME = "no-art.png"
PICK_OUTLINE = (0, 132, 255)  # the picked balloon's outline on the preview (never on the page itself)
NO_ART_SIZE = (192, 256)


@dataclass(frozen=True)
class PanelCard:
    """One panel in the strip: where it is, its art, and what its last build recorded."""

    page: int
    panel: int
    status: str  # the build's status, "composed" (art given to the draft) or "not built"
    image: Path | None
    prompt: str
    seed: int | None
    identity: str  # "MAYA 0.91, TOM 0.84" (face similarity to the character's references), or ""
    quality: float | None
    balloons: int
    shot: str = ""
    characters: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """The panel as the regenerate field and the CLI write it: "page:panel"."""
        return f"{self.page}:{self.panel}"

    def caption(self) -> str:
        scores = []  # short: the strip's captions are one line under a thumbnail
        if self.quality is not None:
            scores.append(f"q {self.quality:.2f}")
        if self.identity:
            scores.append(f"id {self.identity}")
        return " · ".join([f"{self.ref} {self.status}", *scores])


@dataclass(frozen=True)
class BalloonPick:
    """The balloon a click on the page hit: its panel and its index in that panel's dialogue."""

    panel: int
    index: int
    kind: str

    @property
    def key(self) -> str:
        return f"{self.panel}:{self.index}"


def script_book(script_text: str | None) -> Book | None:
    """The book of a script that parses, else None."""
    if not script_text or not script_text.strip():
        return None
    return check_script_text(script_text).book


def panel_cards(output_dir: Path, script_text: str | None, draft: ComposeDraft | None) -> list[PanelCard]:
    """Every panel of the composed draft (else of the script), with what a build of that book recorded."""
    book = draft.book if draft is not None else script_book(script_text)
    if book is None:
        return []
    built = {(v.page, v.panel): v for v in books.panel_views(books.book_folder(Path(output_dir), book.title))}
    art = draft.art if draft is not None else {}
    cards = []
    for page in book.pages:
        for panel in page.panels:
            view = built.get((page.number, panel.number))
            own = art.get((page.number, panel.number))
            status = view.status if view else ("composed" if own else "not built")
            cards.append(
                PanelCard(
                    page.number,
                    panel.number,
                    status,
                    own or (view.image if view else None),
                    view.prompt if view and view.prompt else panel.description,
                    view.seed if view else None,
                    view.identity if view else "",
                    view.quality if view else None,
                    len(panel.dialogue),
                    panel.shot or "",
                    tuple(panel.characters),
                )
            )
    return cards


def no_art_thumbnail(folder: Path) -> Path:
    """A small marked tile for panels without art (written once into `folder`)."""
    path = Path(folder) / NO_ART_NAME
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tile = Image.new("RGB", NO_ART_SIZE, (226, 226, 226))
        draw = ImageDraw.Draw(tile)
        draw.line([(0, 0), NO_ART_SIZE], fill=(200, 40, 40), width=3)
        draw.line([(0, NO_ART_SIZE[1]), (NO_ART_SIZE[0], 0)], fill=(200, 40, 40), width=3)
        draw.text(
            (NO_ART_SIZE[0] / 2, NO_ART_SIZE[1] / 2),
            "no art yet",
            fill=(120, 20, 20),
            anchor="mm",
            stroke_width=2,
            stroke_fill=(255, 255, 255),
        )
        tile.save(path)
    return path


def balloon_at_point(draft: ComposeDraft, page: int, x_px: float, y_px: float) -> BalloonPick | None:
    """The balloon drawn at pixel (x_px, y_px) of the page as last rendered; None when the click hits none."""
    spot = balloon_at(draft.spots.get(page, ()), x_px, y_px)
    return BalloonPick(spot.panel, spot.index, spot.kind) if spot is not None else None


def picked_preview(draft: ComposeDraft, page: int, panel: int, index: int) -> Path | None:
    """The page preview with balloon (panel, index) outlined, saved beside it (`page-001.picked.jpg`); None when
    the page or the balloon is not drawn. The page file itself, and every export, stay without the outline."""
    source = draft.page_files.get(page)
    spot = next((s for s in draft.spots.get(page, ()) if (s.panel, s.index) == (panel, index)), None)
    if source is None or spot is None or not source.is_file():
        return None
    with Image.open(source) as opened:
        image = opened.convert("RGB")
    width = max(3, round(min(image.size) / 250))
    pad = 2 * width
    left, top, right, bottom = spot.body
    box = (left - pad, top - pad, right + pad, bottom + pad)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box, radius=3 * pad, outline=(255, 255, 255), width=width + 4)
    draw.rounded_rectangle(box, radius=3 * pad, outline=PICK_OUTLINE, width=width)
    path = source.with_name(f"{source.stem}.picked.jpg")
    image.save(path, quality=90)
    return path
