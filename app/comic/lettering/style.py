"""Lettering style: sizes in points (scaled by the page's pixels per point), colours and fonts."""

from __future__ import annotations

from dataclasses import dataclass

Color = tuple[int, int, int]


@dataclass(frozen=True)
class LetteringStyle:
    dialogue_pt: float = 9.0
    caption_pt: float = 8.5
    min_pt: float = 6.0  # below this the text is reported as not fitting
    sfx_pt: float = 30.0
    sfx_panel_fraction: float = 0.12  # SFX letters are at least this fraction of the panel's height
    outline_pt: float = 0.8
    balloon_width: float = 0.62  # the largest balloon, as a fraction of the panel
    balloon_height: float = 0.45
    caption_width: float = 0.6
    uppercase: bool = False
    balloon_fill: Color = (255, 255, 255)
    caption_fill: Color = (255, 244, 196)
    ink: Color = (0, 0, 0)
    supersample: int = 3
    dialogue_font: str | None = None  # a font catalogue name or a font file; None: the role's chain
    shout_font: str | None = "Comic Neue Bold"
    caption_font: str | None = None
    sfx_font: str | None = None

    def font_for(self, kind: str) -> str | None:
        if kind == "shout":
            return self.shout_font or self.dialogue_font
        if kind == "caption":
            return self.caption_font
        if kind == "sfx":
            return self.sfx_font
        return self.dialogue_font
