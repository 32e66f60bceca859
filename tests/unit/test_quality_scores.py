"""quality_score folds BRISQUE, sharpness and the failure detectors into one 0..1 figure."""

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
    natural = (
        BRISQUE_WEIGHT * min(max(1 - score.brisque / BRISQUE_WORST, 0), 1) + (1 - BRISQUE_WEIGHT) * score.sharpness
    )
    assert score.normalised == pytest.approx(min(score.gate, 0.5 + 0.5 * natural))
    assert 0.0 <= score.normalised <= 1.0


def test_blurred_copy_scores_lower() -> None:
    image = _cel(3)
    assert quality_score(image.filter(ImageFilter.GaussianBlur(3))).normalised < quality_score(image).normalised


def _cel(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Flat cel-shaded stand-in art: solid fills, black ink outlines, a face."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    w, h = size
    image = Image.new("RGB", size, tuple(int(v) for v in rng.integers(150, 255, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(7):
        x, y = (int(v) for v in rng.integers(0, w - 60, 2))
        bw, bh = (int(v) for v in rng.integers(30, 120, 2))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + bw, y + bh), fill=tuple(int(v) for v in rng.integers(0, 255, 3)), outline=(0, 0, 0), width=3)
    draw.ellipse((w // 2 - 35, h // 4, w // 2 + 35, h // 4 + 80), fill=(250, 220, 190), outline=(0, 0, 0), width=3)
    return image


def _photos() -> list[Image.Image]:
    skdata = pytest.importorskip(
        "skimage.data", reason="scikit-image (requirements-dev.txt) holds the test photographs"
    )
    out = []
    for name in ("astronaut", "camera", "coffee"):
        array = getattr(skdata, name)()
        array = np.stack([array] * 3, axis=-1) if array.ndim == 2 else array
        out.append(Image.fromarray(array).resize((320, round(320 * array.shape[0] / array.shape[1]))))
    return out


def test_gate_fails_noise_and_blur_on_photographs_and_cel_art_and_passes_clean_ones() -> None:
    rng = np.random.default_rng(11)
    for image in _photos() + [_cel(1), _cel(2)]:
        pixels = np.asarray(image, dtype=np.float64)
        clean = quality_score(image)
        assert clean.normalised >= 0.5 and clean.problem() is None
        noisy = Image.fromarray(np.clip(pixels + rng.normal(0, 25, pixels.shape), 0, 255).astype(np.uint8))
        assert quality_score(noisy).normalised < 0.5 and "noise" in quality_score(noisy).problem()
        blurred = quality_score(image.filter(ImageFilter.GaussianBlur(3)))
        assert blurred.normalised < 0.5 and "blurred" in blurred.problem()
    for noise in (
        rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
        np.clip(rng.normal(128, 60, (240, 320, 3)), 0, 255).astype(np.uint8),
    ):
        assert quality_score(noise).normalised < 0.5
    smooth = Image.fromarray(np.clip(rng.normal(128, 60, (240, 320, 3)), 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(1.5)
    )
    assert quality_score(smooth).normalised < 0.5


def test_speckle_on_black_at_64_px_fails_like_the_live_random_weight_model() -> None:
    rng = np.random.default_rng(4)
    pixels = rng.uniform(0, 25, (64, 64))
    spots = rng.random((64, 64)) < 0.03
    pixels[spots] = rng.uniform(150, 255, int(spots.sum()))
    score = quality_score(Image.fromarray(pixels.astype(np.uint8)).convert("RGB"))
    assert score.normalised < 0.5 and "noise" in score.problem()
    assert (
        quality_score(_cel(5).resize((64, 48), Image.Resampling.LANCZOS)).normalised >= 0.5
    )  # a clean drawing that small still passes
