"""Face similarity over a pluggable embedder (a deterministic stand-in here; insightface in faceswap)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app.quality import (
    FaceEmbedder,
    QualityError,
    best_similarity,
    cosine_similarity,
    face_similarity,
)


class ColourEmbedder:
    """Stand-in: 'embeds' the mean colour; a black image has no face."""

    def embed_largest_face(self, rgb: np.ndarray) -> np.ndarray | None:
        mean = rgb.reshape(-1, 3).mean(axis=0)
        return None if mean.max() == 0 else mean - 100.0


def test_cosine_similarity_values() -> None:
    assert cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert cosine_similarity([1, 0], [0, 2]) == pytest.approx(0.0)
    assert cosine_similarity([1, 1], [-3, -3]) == pytest.approx(-1.0)
    assert best_similarity([np.array([0, 1.0]), np.array([1.0, 0.1])], np.array([1.0, 0])) == pytest.approx(
        0.995, abs=1e-3
    )


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([1, 2], [1, 2, 3], "Face embeddings differ in length (2 and 3); compare embeddings from the same model."),
        ([0, 0], [1, 2], "A face embedding is all zeros; the embedder returned no usable vector."),
        ([np.nan, 1], [1, 2], "A face embedding holds a value that is not a finite number."),
    ],
)
def test_bad_embeddings(a: list, b: list, message: str) -> None:
    with pytest.raises(QualityError) as caught:
        cosine_similarity(a, b)
    assert str(caught.value) == message


def test_face_similarity_with_an_embedder() -> None:
    embedder = ColourEmbedder()
    assert isinstance(embedder, FaceEmbedder)
    red, red2, blue = (Image.new("RGB", (32, 32), c) for c in ((200, 20, 20), (190, 30, 25), (20, 20, 200)))
    same = face_similarity(red, red2, embedder)
    assert same.same_person and same.similarity is not None and same.similarity > 0.95
    different = face_similarity(red, blue, embedder)
    assert not different.same_person and different.similarity is not None and different.similarity < 0.4
    missing = face_similarity(red, Image.new("RGB", (32, 32)), embedder)
    assert missing.similarity is None and missing.reference_found and not missing.candidate_found


def test_not_an_embedder() -> None:
    with pytest.raises(
        QualityError, match=r"^object is not a face embedder; it needs an embed_largest_face\(rgb\) method\.$"
    ):
        face_similarity(Image.new("RGB", (32, 32)), Image.new("RGB", (32, 32)), object())  # type: ignore[arg-type]
