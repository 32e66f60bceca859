"""Panel effects: geometry, anti-aliasing, determinism, tone keeping and exact error sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from app.comic.effects import (
    EFFECT_KINDS,
    EffectError,
    FocusLines,
    Halftone,
    ImpactBurst,
    PanelBorder,
    SpeedLines,
    apply_effects,
    effect_from_dict,
)


def _white(width: int = 320, height: int = 240) -> Image.Image:
    return Image.new("RGB", (width, height), "white")


def _ink(image: Image.Image) -> np.ndarray:
    """Ink coverage 0..1 of a black-on-white render."""
    return 1.0 - np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def _has_antialiased_edges(image: Image.Image) -> bool:
    values = np.asarray(image.convert("L"))
    return bool(((values > 20) & (values < 235)).sum() > 0.02 * ((values <= 20).sum()))


ALL_EFFECTS = [
    SpeedLines(seed=1),
    FocusLines(seed=1),
    ImpactBurst(seed=1),
    Halftone(),
    PanelBorder(style="rough", seed=1),
]


@pytest.mark.parametrize("effect", ALL_EFFECTS, ids=lambda e: type(e).__name__)
def test_effects_are_deterministic_and_keep_size(effect: object) -> None:
    source = Image.radial_gradient("L").resize((320, 240)).convert("RGB")
    first, second = effect.render(source), effect.render(source)  # type: ignore[attr-defined]
    assert first.size == source.size
    assert np.array_equal(np.asarray(first), np.asarray(second))
    assert not np.array_equal(np.asarray(first), np.asarray(source))


@pytest.mark.parametrize("cls", [SpeedLines, FocusLines, ImpactBurst], ids=lambda c: c.__name__)
def test_seed_changes_the_drawing(cls: type) -> None:
    a, b = cls(seed=1).render(_white()), cls(seed=2).render(_white())
    assert not np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize(
    "effect",
    [SpeedLines(seed=3), FocusLines(seed=3), ImpactBurst(seed=3), PanelBorder(style="rounded")],
    ids=lambda e: type(e).__name__,
)
def test_strokes_are_antialiased(effect: object) -> None:
    assert _has_antialiased_edges(effect.render(_white()))  # type: ignore[attr-defined]


def test_speed_lines_run_along_their_angle() -> None:
    horizontal = _ink(SpeedLines(angle=0, seed=4).render(_white()))
    vertical = _ink(SpeedLines(angle=90, seed=4).render(_white()))
    # Horizontal strokes change little along x and a lot along y; vertical ones the other way.
    assert np.abs(np.diff(horizontal, axis=1)).mean() < 0.3 * np.abs(np.diff(horizontal, axis=0)).mean()
    assert np.abs(np.diff(vertical, axis=0)).mean() < 0.3 * np.abs(np.diff(vertical, axis=1)).mean()


def test_speed_lines_clear_band_stays_empty() -> None:
    ink = _ink(SpeedLines(angle=0, clear_band=0.4, seed=5).render(_white(400, 300)))
    band = ink[150 - 55 : 150 + 55]  # 0.4 x half-height = 60 px each side of the centre line
    assert band.max() < 0.05 and ink.mean() > 0.05


def test_focus_lines_leave_the_centre_clear_and_fill_the_edges() -> None:
    effect = FocusLines(center=(0.4, 0.6), clear_radius=0.5, jitter=0.3, seed=6)
    ink = _ink(effect.render(_white(400, 300)))
    cx, cy, rx, ry = effect.clear_ellipse((400, 300))
    ys, xs = np.mgrid[0:300, 0:400] + 0.5
    inside = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 < 0.95
    assert ink[inside].max() < 0.05
    edges = np.concatenate([ink[:4].ravel(), ink[-4:].ravel(), ink[:, :4].ravel(), ink[:, -4:].ravel()])
    assert 0.2 < edges.mean() < 0.9


def test_impact_burst_is_a_jagged_star_around_its_centre() -> None:
    burst = ImpactBurst(center=(0.5, 0.5), radius=0.4, spikes=12, core=None, fill="white", outline="black", seed=7)
    image = burst.render(Image.new("RGB", (300, 300), (0, 0, 255)))
    pixels = np.asarray(image)
    assert tuple(pixels[150, 150]) == (255, 255, 255)  # the filled centre
    assert tuple(pixels[2, 2]) == (0, 0, 255)  # the background corner untouched
    star = burst.star((300, 300))
    assert len(star) == 24
    radii = [math.hypot(x - 150, y - 150) for x, y in star]
    assert max(radii[0::2]) <= 0.4 * 300 + 1e-6 and min(radii[0::2]) > max(radii[1::2]) * 0.9


def test_burst_core_colour_is_inside() -> None:
    image = ImpactBurst(core="#ffd21f", seed=1).render(_white(300, 300))
    assert tuple(np.asarray(image)[150, 150]) == (255, 210, 31)


@pytest.mark.parametrize("grey", [40, 128, 200])
def test_grey_halftone_keeps_the_mean_tone(grey: int) -> None:
    flat = Image.new("RGB", (300, 300), (grey, grey, grey))
    out = np.asarray(Halftone(mode="grey", lpi=30, dpi=300).render(flat).convert("L"), dtype=float)
    assert abs(out.mean() - grey) < 6
    assert out.min() < 30 and out.max() > 225  # real dots, not a flat grey


def test_halftone_cell_follows_lpi_and_dpi() -> None:
    flat = Image.new("RGB", (400, 400), (128, 128, 128))
    out = _ink(Halftone(lpi=20, dpi=200, angle=0).render(flat))  # 10-pixel cells on the axes
    spectrum = np.abs(np.fft.rfft(out.mean(axis=0) - out.mean()))
    assert np.argmax(spectrum) == 400 // 10


def test_cmyk_halftone_makes_colour_dots() -> None:
    red = Image.new("RGB", (200, 200), (220, 30, 40))
    out = np.asarray(Halftone(mode="cmyk", lpi=30, dpi=300).render(red), dtype=float)
    mean = out.reshape(-1, 3).mean(axis=0)
    assert mean[0] > mean[1] + 60 and mean[0] > mean[2] + 60
    assert len(np.unique(out.reshape(-1, 3), axis=0)) > 50


def test_screentone_keeps_solid_black_and_white() -> None:
    image = Image.new("RGB", (300, 100), "white")
    image.paste((0, 0, 0), (0, 0, 100, 100))
    image.paste((150, 150, 150), (100, 0, 200, 100))
    out = np.asarray(Halftone(mode="screentone", lpi=30, dpi=300).render(image).convert("L"), dtype=float)
    assert out[20:80, 10:80].max() < 10
    assert out[20:80, 220:290].min() > 245
    middle = out[20:80, 120:180]
    assert middle.min() < 30 and middle.max() > 225


def test_border_square_width_is_exact() -> None:
    out = np.asarray(PanelBorder(width=6, color="red").render(_white(100, 80)))
    assert tuple(out[0, 50]) == (255, 0, 0) and tuple(out[5, 50]) == (255, 0, 0)
    assert tuple(out[6, 50]) == (255, 255, 255)


def test_border_rounded_corners_take_the_background() -> None:
    out = PanelBorder(width=6, style="rounded", corner_radius=30, background=None).render(_white(200, 150))
    assert out.mode == "RGBA"
    alpha = np.asarray(out.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[75, 100] == 255
    rgb = np.asarray(out.convert("RGB"))
    assert tuple(rgb[75, 0]) == (0, 0, 0)


def test_border_rough_wobbles_but_stays_inside() -> None:
    out = _ink(PanelBorder(width=10, style="rough", roughness=1.0, seed=3).render(_white(400, 300)))
    column_depth = (out[:60] > 0.5).sum(axis=0)[20:-20]
    assert column_depth.max() - column_depth.min() >= 3  # the ink line's thickness varies
    assert out[150, 200] == 0.0


def test_halftone_keeps_alpha() -> None:
    source = Image.new("RGBA", (64, 64), (128, 128, 128, 90))
    out = Halftone(lpi=30, dpi=300).render(source)
    assert out.mode == "RGBA" and out.getchannel("A").getextrema() == (90, 90)


def test_apply_effects_in_order_and_from_dicts() -> None:
    effects = [
        effect_from_dict({"kind": "focus_lines", "seed": 2}),
        effect_from_dict({"kind": "panel_border", "width": 4}),
    ]
    out = apply_effects(_white(), effects)
    assert np.array_equal(np.asarray(out), np.asarray(PanelBorder(width=4).render(FocusLines(seed=2).render(_white()))))
    assert set(EFFECT_KINDS) == {"speed_lines", "focus_lines", "impact_burst", "halftone", "panel_border"}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SpeedLines(count=0), "Speed lines count must be a whole number from 1 to 2000, got 0."),
        (
            lambda: SpeedLines(length=(0.8, 0.2)),
            "Speed lines length must be (shortest, longest) fractions of the diagonal, "
            "0 to 1 and shortest <= longest, got (0.8, 0.2).",
        ),
        (lambda: FocusLines(center=(1.5, 0.5)), "Focus lines center x must be a number from 0 to 1, got 1.5."),
        (
            lambda: FocusLines(color="plaid"),
            "Focus lines color must be a colour name, '#rrggbb' or (r, g, b), got 'plaid'.",
        ),
        (lambda: ImpactBurst(spikes=2), "Impact burst spikes must be a whole number from 3 to 200, got 2."),
        (lambda: ImpactBurst(radius=float("nan")), "Impact burst radius must be a number from 0.02 to 2, got nan."),
        (lambda: Halftone(mode="sepia"), "Halftone mode must be one of grey, cmyk, screentone, got 'sepia'."),
        (
            lambda: Halftone(lpi=150, dpi=300),
            "Halftone at 150 LPI and 300 DPI gives 2.0-pixel cells; lower the LPI to at most 120 or raise the DPI.",
        ),
        (lambda: PanelBorder(style="wavy"), "Panel border style must be one of square, rounded, rough, got 'wavy'."),
        (
            lambda: PanelBorder(width=60).render(_white(100, 100)),
            "Panel border width 60 leaves nothing of a 100x100 image; use at most 49.",
        ),
        (lambda: SpeedLines().render("panel.png"), "Effects take a PIL image, got str."),
        (lambda: Halftone().render(Image.new("RGB", (4, 4))), "The image is 4x4; effects need at least 8x8 pixels."),
        (
            lambda: effect_from_dict({"kind": "glow"}),
            "Effect kind must be one of speed_lines, focus_lines, impact_burst, halftone, panel_border, got 'glow'.",
        ),
        (
            lambda: effect_from_dict({"kind": "halftone", "size": 3}),
            "Effect halftone has no parameter 'size'; it takes angle, dpi, ink, levels, lpi, mode, paper, shape.",
        ),
    ],
)
def test_bad_parameters_are_one_sentence(build, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EffectError) as caught:
        build()
    assert str(caught.value) == message
