"""Option vocabularies of the panel effects: every `Literal` type and its choice tuple lives here."""

from __future__ import annotations

from typing import Literal, get_args

EffectKind = Literal["speed_lines", "focus_lines", "impact_burst", "halftone", "panel_border"]
EFFECT_KINDS: tuple[str, ...] = get_args(EffectKind)

# grey: one black dot screen; cmyk: four screens (cyan, magenta, yellow, black) at classic angles;
# screentone: manga tone, the grey levels quantised to a few flat tones, solid blacks kept.
HalftoneMode = Literal["grey", "cmyk", "screentone"]
HALFTONE_MODES: tuple[str, ...] = get_args(HalftoneMode)

HalftoneShape = Literal["dot", "line"]
HALFTONE_SHAPES: tuple[str, ...] = get_args(HalftoneShape)

BorderStyle = Literal["square", "rounded", "rough"]
BORDER_STYLES: tuple[str, ...] = get_args(BorderStyle)

# Screen angles (degrees) of the four process inks; the eye notices 45 degrees least, so black gets it.
CMYK_ANGLES: dict[str, float] = {"c": 15.0, "m": 75.0, "y": 0.0, "k": 45.0}
# How each ink filters white paper (RGB 0..1 transmittance); multiplied where inks overlap.
CMYK_INKS: dict[str, tuple[float, float, float]] = {
    "c": (0.0, 0.68, 0.94),
    "m": (0.93, 0.0, 0.55),
    "y": (1.0, 0.95, 0.0),
    "k": (0.08, 0.08, 0.09),
}
