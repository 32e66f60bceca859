"""Render the comic effects and grading presets gallery into docs/effects/ (run from the repo root).

    .venv/bin/python scripts/render_effects_gallery.py [OUT_DIR]

The source art is a synthetic scene drawn here (sky, sun, hills, a figure), so the gallery needs no
downloaded image and renders the same everywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.comic.effects import (
    FocusLines,
    Halftone,
    ImpactBurst,
    PanelBorder,
    SpeedLines,
    apply_effects,
)
from app.comic.fonts import resolve_font
from app.comic.grading import grade_book, list_presets, measure_grade_consistency

TILE = (480, 320)


def scene() -> Image.Image:
    """A small colourful test scene with soft gradients (tone for the screens) and hard edges."""
    width, height = TILE
    sky = Image.new("RGB", TILE)
    draw = ImageDraw.Draw(sky)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=(int(40 + 210 * t), int(90 + 100 * t), int(170 - 50 * t)))
    draw.ellipse((330, 40, 410, 120), fill=(255, 214, 90))
    draw.polygon([(0, 250), (120, 170), (260, 240), (380, 180), (480, 230), (480, 320), (0, 320)], fill=(46, 110, 70))
    draw.ellipse((180, 150, 240, 210), fill=(240, 200, 170), outline=(20, 20, 20), width=3)
    draw.rectangle((190, 210, 232, 300), fill=(200, 40, 50), outline=(20, 20, 20), width=3)
    return sky.filter(ImageFilter.GaussianBlur(0.6))


def label(image: Image.Image, text: str) -> Image.Image:
    out = image.convert("RGB")
    font = resolve_font("caption", text, size=18).load()
    ImageDraw.Draw(out).text((10, 8), text, font=font, fill="black", stroke_width=3, stroke_fill="white")
    return out


def sheet(tiles: list[Image.Image], columns: int) -> Image.Image:
    rows = (len(tiles) + columns - 1) // columns
    out = Image.new("RGB", (columns * (TILE[0] + 10) + 10, rows * (TILE[1] + 10) + 10), "white")
    for index, tile in enumerate(tiles):
        out.paste(tile, (10 + index % columns * (TILE[0] + 10), 10 + index // columns * (TILE[1] + 10)))
    return out


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    art = scene()
    white = Image.new("RGB", TILE, "white")
    effects = [
        ("speed lines", SpeedLines(angle=10, clear_band=0.2, seed=1).render(white)),
        ("speed lines over art", SpeedLines(angle=0, count=90, color="white", opacity=0.85, seed=2).render(art)),
        ("focus lines", FocusLines(seed=3).render(white)),
        ("focus lines over art", FocusLines(center=(0.44, 0.62), clear_radius=0.5, seed=4).render(art)),
        ("impact burst", ImpactBurst(seed=5).render(Image.new("RGB", TILE, (90, 160, 220)))),
        ("halftone grey 30 LPI @ 300 DPI", Halftone(mode="grey", lpi=30).render(art)),
        ("halftone CMYK", Halftone(mode="cmyk", lpi=30).render(art)),
        ("screentone", Halftone(mode="screentone", lpi=35, levels=4).render(art)),
        ("border square", PanelBorder(width=8).render(art)),
        ("border rounded", PanelBorder(width=8, style="rounded").render(art)),
        ("border rough", PanelBorder(width=9, style="rough", seed=6).render(art)),
        (
            "stacked",
            apply_effects(
                art,
                [
                    FocusLines(center=(0.44, 0.62), seed=7),
                    Halftone(mode="cmyk", lpi=30),
                    PanelBorder(width=8, style="rough"),
                ],
            ),
        ),
    ]
    sheet([label(image, name) for name, image in effects], 3).quantize(256, dither=Image.Dither.NONE).save(
        out_dir / "effects.png", optimize=True
    )
    presets = list_presets()
    graded = [
        label(image, name)
        for name, image in zip(["original"] + presets, [art] + [grade_book([art], p)[0] for p in presets])
    ]
    sheet(graded, 4).save(out_dir / "grading.png", optimize=True)
    print(
        f"wrote {out_dir / 'effects.png'} and {out_dir / 'grading.png'}; consistency of the graded tiles: "
        f"{measure_grade_consistency(graded):.3f}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/effects"))
