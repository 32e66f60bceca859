"""BRISQUE with the package's shipped SVM: more distortion scores worse."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

pytest.importorskip("brisque", reason="brisque==0.2.0 (requirements.txt) is not installed")

from app.quality import QualityError, brisque


def _natural_like(seed: int = 1, size: int = 256) -> np.ndarray:
    """A 1/f ("pink") random field: natural-image statistics without shipping a photo."""
    rng = np.random.default_rng(seed)
    freq = np.fft.fftfreq(size)
    fx, fy = np.meshgrid(freq, freq)
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(size, size))) / np.maximum(np.hypot(fx, fy), 1 / size)))
    return (field - field.min()) / (field.max() - field.min()) * 255


def _with_noise(field: np.ndarray, sigma: float) -> Image.Image:
    noise = np.random.default_rng(7).normal(0, sigma, field.shape) if sigma else 0
    return Image.fromarray(np.clip(field + noise, 0, 255).astype(np.uint8))


def test_noise_raises_the_brisque_score() -> None:
    field = _natural_like()
    scores = [brisque(_with_noise(field, sigma)) for sigma in (0, 15, 40)]
    assert scores[0] < scores[1] < scores[2]


def test_blur_raises_the_brisque_score() -> None:
    clean = _with_noise(_natural_like(), 0)
    assert brisque(clean) < brisque(clean.filter(ImageFilter.GaussianBlur(3)))


def test_flat_image_is_refused_in_one_sentence() -> None:
    with pytest.raises(
        QualityError,
        match=r"^BRISQUE cannot score a flat image \(no texture to measure\); score images with some detail\.$",
    ):
        brisque(Image.new("RGB", (64, 64), "grey"))
