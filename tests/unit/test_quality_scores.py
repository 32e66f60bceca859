"""quality_score folds BRISQUE and sharpness into one 0..1 figure."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

pytest.importorskip("brisque", reason="brisque==0.2.0 (requirements.txt) is not installed")

from app.quality import QualityScore, quality_score
from app.quality.scores import BRISQUE_WEIGHT, BRISQUE_WORST


def _natural_like(size: int = 256) -> Image.Image:
    rng = np.random.default_rng(3)
    freq = np.fft.fftfreq(size)
    fx, fy = np.meshgrid(freq, freq)
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(size, size))) / np.maximum(np.hypot(fx, fy), 1 / size)))
    return Image.fromarray(((field - field.min()) / (field.max() - field.min()) * 255).astype(np.uint8)).convert("RGB")


def test_score_fields_and_formula() -> None:
    score = quality_score(_natural_like())
    assert isinstance(score, QualityScore)
    expected = BRISQUE_WEIGHT * min(max(1 - score.brisque / BRISQUE_WORST, 0), 1) + (1 - BRISQUE_WEIGHT) * score.sharpness
    assert score.normalised == pytest.approx(expected)
    assert 0.0 <= score.normalised <= 1.0


def test_blurred_copy_scores_lower() -> None:
    image = _natural_like()
    assert quality_score(image.filter(ImageFilter.GaussianBlur(3))).normalised < quality_score(image).normalised
