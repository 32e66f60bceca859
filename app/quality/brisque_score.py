"""BRISQUE no-reference quality with the SVM model shipped in the `brisque` package (0.2.0).

brisque 0.2.0's `BRISQUE.score()` fails on numpy 2: some of its features come out as 1-element
arrays and `float()` refuses them. We run the package's own feature extraction and SVM, and only
flatten the features to plain floats in between (the steps of `score()`, minus that bug).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .errors import QualityError
from .images import analysis_copy


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    try:
        from brisque import BRISQUE
    except ImportError as exc:
        raise QualityError(
            f"BRISQUE needs the Python package {exc.name or 'brisque'}; install requirements.txt (brisque==0.2.0)."
        ) from exc
    return BRISQUE(url=False)


def brisque(image: Any) -> float:
    """BRISQUE score, lower is better (about 0 for pristine photos, 100+ for heavy distortion)."""
    import cv2
    import skimage.color

    model = _model()
    grey = skimage.color.rgb2gray(np.asarray(analysis_copy(image)))
    half = cv2.resize(grey, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
    with np.errstate(divide="ignore", invalid="ignore"):  # a flat image divides 0 by 0; caught below
        raw = np.concatenate([model.calculate_brisque_features(g, kernel_size=7, sigma=7 / 6) for g in (grey, half)])
    features = np.array([float(np.asarray(f, dtype=np.float64).ravel()[0]) for f in raw])
    if not np.all(np.isfinite(features)):
        raise QualityError("BRISQUE cannot score a flat image (no texture to measure); score images with some detail.")
    return float(model.calculate_image_quality_score(features))
