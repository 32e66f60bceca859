"""Accept PIL images or numpy arrays and turn them into what the scorers compute on."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from .errors import QualityError

MIN_SIDE = 16
ANALYSIS_SIDE = 512  # scores are computed on a copy whose longer side is at most this


def to_rgb_image(image: Any) -> Image.Image:
    """A PIL image or an H x W (x 3/4) uint8 array -> RGB PIL image; QualityError otherwise."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
            raise QualityError(
                f"Quality scores take an H x W x 3 uint8 array, got {image.dtype} of shape {image.shape}."
            )
        image = Image.fromarray(image.squeeze(axis=2) if image.ndim == 3 and image.shape[2] == 1 else image)
    if not isinstance(image, Image.Image):
        raise QualityError(f"Quality scores take a PIL image or a numpy array, got {type(image).__name__}.")
    if min(image.size) < MIN_SIDE:
        raise QualityError(
            f"The image is {image.width}x{image.height}; quality scores need at least {MIN_SIDE}x{MIN_SIDE} pixels."
        )
    return image.convert("RGB")


def analysis_copy(image: Any) -> Image.Image:
    """RGB copy resized (never enlarged) so its longer side is at most ANALYSIS_SIDE."""
    rgb = to_rgb_image(image)
    if max(rgb.size) > ANALYSIS_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.LANCZOS)
    return rgb
