"""Identity similarity between faces: cosine similarity of embeddings from a pluggable embedder.

`FaceEmbedder` is the protocol a face-recognition backend implements (the insightface one lives in
app/faceswap): `embed_largest_face(rgb) -> vector | None` for an H x W x 3 uint8 RGB array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import QualityError
from .images import to_rgb_image

# ArcFace-style embeddings: the same person usually scores above this, different people below.
SAME_PERSON_THRESHOLD = 0.4


@runtime_checkable
class FaceEmbedder(Protocol):
    def embed_largest_face(self, rgb: np.ndarray) -> np.ndarray | None:
        """The embedding of the largest face in the image, or None when there is no face."""
        ...


@dataclass(frozen=True)
class FaceMatch:
    """similarity: cosine -1..1 (None when a face is missing); same_person: similarity >= threshold."""

    similarity: float | None
    same_person: bool
    reference_found: bool
    candidate_found: bool


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine similarity of two embeddings, -1..1."""
    va, vb = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if va.shape != vb.shape:
        raise QualityError(
            f"Face embeddings differ in length ({va.size} and {vb.size}); compare embeddings from the same model."
        )
    if not (np.all(np.isfinite(va)) and np.all(np.isfinite(vb))):
        raise QualityError("A face embedding holds a value that is not a finite number.")
    norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if norm == 0.0:
        raise QualityError("A face embedding is all zeros; the embedder returned no usable vector.")
    return float(np.clip(va @ vb / norm, -1.0, 1.0))


def best_similarity(reference: Sequence[np.ndarray], candidate: np.ndarray) -> float:
    """The highest cosine similarity between `candidate` and any of several reference embeddings."""
    if not reference:
        raise QualityError("Face similarity needs at least one reference embedding.")
    return max(cosine_similarity(r, candidate) for r in reference)


def face_similarity(
    reference: Any, candidate: Any, embedder: FaceEmbedder, threshold: float = SAME_PERSON_THRESHOLD
) -> FaceMatch:
    """Compare the largest face of two images (PIL images or RGB uint8 arrays) with `embedder`."""
    if not isinstance(embedder, FaceEmbedder):
        raise QualityError(
            f"{type(embedder).__name__} is not a face embedder; it needs an embed_largest_face(rgb) method."
        )
    ref = embedder.embed_largest_face(np.asarray(to_rgb_image(reference)))
    cand = embedder.embed_largest_face(np.asarray(to_rgb_image(candidate)))
    if ref is None or cand is None:
        return FaceMatch(None, False, ref is not None, cand is not None)
    similarity = cosine_similarity(ref, cand)
    return FaceMatch(similarity, similarity >= threshold, True, True)
