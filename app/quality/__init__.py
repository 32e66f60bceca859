"""Image quality figures (pure: PIL/numpy, BRISQUE's shipped SVM loaded on first use).

- `sharpness(image) -> float` 0..1 (log-scaled variance of the Laplacian), `laplacian_variance(image)`.
- `brisque(image) -> float` lower is better.
- `quality_score(image) -> QualityScore(brisque, sharpness, normalised)`; normalised is 0..1, higher
  is better.
- `cosine_similarity(a, b)`, `best_similarity(refs, candidate)`, `face_similarity(ref_img, cand_img,
  embedder) -> FaceMatch`, and the `FaceEmbedder` protocol a face-recognition backend implements.
All raise `QualityError` (an InkframeError) with one sentence for input they cannot score.
"""

from __future__ import annotations

from .brisque_score import brisque
from .errors import QualityError
from .face_similarity import (
    FaceEmbedder,
    FaceMatch,
    best_similarity,
    cosine_similarity,
    face_similarity,
)
from .scores import QualityScore, quality_score
from .sharpness import laplacian_variance, sharpness

__all__ = [
    "FaceEmbedder",
    "FaceMatch",
    "QualityError",
    "QualityScore",
    "best_similarity",
    "brisque",
    "cosine_similarity",
    "face_similarity",
    "laplacian_variance",
    "quality_score",
    "sharpness",
]
