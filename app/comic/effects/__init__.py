"""Panel effects for comic art: speed lines, focus lines, impact bursts, halftone/screentone, borders.

Each effect is a frozen dataclass of validated parameters (bad values raise `EffectError` with one
sentence naming the parameter) with `render(image) -> image`. Everything is anti-aliased and
deterministic for a given `seed`. Sizes are fractions of the image unless named `*_px` / `width`
(pixels) so the same spec works at screen and print resolution.

    from .effects import FocusLines, Halftone, apply_effects
    page = apply_effects(panel, [FocusLines(seed=3), Halftone(mode="grey", lpi=45, dpi=300)])

`effect_from_dict({"kind": "speed_lines", "angle": 20})` builds a spec from data (YAML/JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from PIL import Image

from .border import PanelBorder
from .burst import ImpactBurst
from .choices import (
    BORDER_STYLES,
    EFFECT_KINDS,
    HALFTONE_MODES,
    HALFTONE_SHAPES,
    EffectKind,
)
from .halftone import Halftone
from .lines import FocusLines, SpeedLines
from .raster import EffectError, check_image

Effect = SpeedLines | FocusLines | ImpactBurst | Halftone | PanelBorder

EFFECT_TYPES: dict[str, type] = {
    "speed_lines": SpeedLines,
    "focus_lines": FocusLines,
    "impact_burst": ImpactBurst,
    "halftone": Halftone,
    "panel_border": PanelBorder,
}

__all__ = [
    "BORDER_STYLES",
    "EFFECT_KINDS",
    "EFFECT_TYPES",
    "HALFTONE_MODES",
    "HALFTONE_SHAPES",
    "Effect",
    "EffectError",
    "EffectKind",
    "FocusLines",
    "Halftone",
    "ImpactBurst",
    "PanelBorder",
    "SpeedLines",
    "apply_effects",
    "effect_from_dict",
]


def apply_effects(image: Image.Image, effects: Iterable[Effect]) -> Image.Image:
    """`image` with each effect rendered over it, in order."""
    result = check_image(image)
    for effect in effects:
        if not isinstance(effect, tuple(EFFECT_TYPES.values())):
            raise EffectError(f"Not a panel effect: {effect!r}; use one of {', '.join(EFFECT_KINDS)}.")
        result = effect.render(result)
    return result


def effect_from_dict(data: Mapping[str, Any]) -> Effect:
    """{"kind": "focus_lines", "count": 200, ...} -> FocusLines(count=200, ...)."""
    kind = data.get("kind")
    if kind not in EFFECT_TYPES:
        raise EffectError(f"Effect kind must be one of {', '.join(EFFECT_KINDS)}, got {kind!r}.")
    cls = EFFECT_TYPES[kind]
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - allowed - {"kind"})
    if unknown:
        raise EffectError(f"Effect {kind} has no parameter {unknown[0]!r}; it takes {', '.join(sorted(allowed))}.")
    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k != "kind"}
    return cls(**params)
