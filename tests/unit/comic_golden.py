"""Golden-image comparison with a tolerance (font rasterisers differ slightly between versions).

Regenerate with `INKFRAME_UPDATE_GOLDEN=1 pytest tests/unit/test_comic_lettering.py ...`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
MEAN_TOLERANCE = 2.0  # mean absolute difference per channel, 0..255
OUTLIER_TOLERANCE = 0.01  # fraction of pixels allowed to differ by more than 64


def assert_matches_golden(image: Image.Image, name: str) -> None:
    path = GOLDEN_DIR / f"{name}.png"
    if os.environ.get("INKFRAME_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(exist_ok=True)
        image.convert("RGB").quantize(64, dither=Image.Dither.NONE).save(path, optimize=True)
        return
    assert path.is_file(), f"golden {path.name} is missing; run with INKFRAME_UPDATE_GOLDEN=1 to create it"
    expected = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    actual = np.asarray(image.convert("RGB").quantize(64, dither=Image.Dither.NONE).convert("RGB"), dtype=np.int16)
    assert expected.shape == actual.shape, f"{name}: size {actual.shape} differs from the golden's {expected.shape}"
    diff = np.abs(expected - actual)
    outliers = float((diff.max(axis=2) > 64).mean())
    assert diff.mean() <= MEAN_TOLERANCE and outliers <= OUTLIER_TOLERANCE, (
        f"{name}: mean difference {diff.mean():.2f} (max {MEAN_TOLERANCE}), "
        f"{outliers:.2%} outlier pixels (max {OUTLIER_TOLERANCE:.0%})"
    )
