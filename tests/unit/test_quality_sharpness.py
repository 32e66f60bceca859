"""Sharpness: orderings known by construction, size independence, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from app.quality import QualityError, laplacian_variance, sharpness


def _checkerboard(size: int = 256, square: int = 16) -> Image.Image:
    return Image.fromarray((np.indices((size, size)).sum(axis=0) // square % 2 * 255).astype(np.uint8))


def test_sharp_checkerboard_beats_its_blurred_copies() -> None:
    board = _checkerboard()
    scores = [sharpness(board.filter(ImageFilter.GaussianBlur(r))) if r else sharpness(board) for r in (0, 1, 2, 4)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_flat_image_scores_zero() -> None:
    assert sharpness(Image.new("RGB", (64, 64), "grey")) == 0.0
    assert laplacian_variance(Image.new("RGB", (64, 64), "grey")) == 0.0


def test_size_normalised_copy_keeps_scores_comparable() -> None:
    small = _checkerboard(256, 16)
    big = _checkerboard(1024, 64)  # the same picture at 4x the resolution
    assert abs(sharpness(small) - sharpness(big)) < 0.1


def test_accepts_arrays_and_rejects_bad_input() -> None:
    array = np.asarray(_checkerboard().convert("RGB"))
    assert sharpness(array) == sharpness(_checkerboard())
    with pytest.raises(
        QualityError, match=r"^Quality scores take an H x W x 3 uint8 array, got float64 of shape \(8, 8\)\.$"
    ):
        sharpness(np.zeros((8, 8)))
    with pytest.raises(QualityError, match=r"^The image is 8x8; quality scores need at least 16x16 pixels\.$"):
        sharpness(Image.new("RGB", (8, 8)))
    with pytest.raises(QualityError, match=r"^Quality scores take a PIL image or a numpy array, got str\.$"):
        sharpness("panel.png")
