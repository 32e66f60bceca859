"""The consistency and quality gates (pure logic over pluggable embedders and scorers).

Identity: each character present who has reference embeddings is matched to one face found in the
panel (greedy, best cosine similarity first, a face used once). A character passes when the similarity
reaches the threshold. A character whose face is not found fails only when the shot should show faces
(`face_expected`); otherwise it is "not measured". The panel passes when no measured character fails.

Embedders implement `app.quality.FaceEmbedder` (`embed_largest_face(rgb)`); one that also has
`embed_faces(rgb) -> list[vector]` (every face) lets panels with several characters be checked per face.

Quality: `app.quality.quality_score` (BRISQUE + sharpness folded into 0..1), compared with the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..quality import FaceEmbedder, QualityScore, cosine_similarity, quality_score


@runtime_checkable
class MultiFaceEmbedder(Protocol):
    def embed_faces(self, rgb: np.ndarray) -> list[np.ndarray]:
        """One embedding per face found, largest first."""
        ...


@dataclass(frozen=True)
class FaceScore:
    character: str
    similarity: float | None
    passed: bool | None
    note: str = ""


@dataclass(frozen=True)
class IdentityVerdict:
    scores: tuple[FaceScore, ...]
    passed: bool | None  # None: nothing measured

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(s.character for s in self.scores if s.passed is False)

    @property
    def worst(self) -> float | None:
        values = [s.similarity for s in self.scores if s.similarity is not None]
        return min(values) if values else None


def to_rgb(image: Any) -> np.ndarray:
    array = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise ValueError("an RGB uint8 image (H x W x 3) is needed")
    return np.ascontiguousarray(array)


def face_embeddings(embedder: FaceEmbedder, image: Any) -> list[np.ndarray]:
    rgb = to_rgb(image)
    if isinstance(embedder, MultiFaceEmbedder):
        return [np.asarray(e, dtype=np.float64) for e in embedder.embed_faces(rgb)]
    found = embedder.embed_largest_face(rgb)
    return [] if found is None else [np.asarray(found, dtype=np.float64)]


def reference_embeddings(embedder: FaceEmbedder, images: Sequence[Any]) -> list[np.ndarray]:
    """The largest face of each reference image (images without a face are left out)."""
    out = []
    for image in images:
        found = embedder.embed_largest_face(to_rgb(image))
        if found is not None:
            out.append(np.asarray(found, dtype=np.float64))
    return out


def check_identity(
    image: Any,
    references: Mapping[str, Sequence[np.ndarray]],
    embedder: FaceEmbedder,
    threshold: float,
    *,
    face_expected: bool = True,
) -> IdentityVerdict:
    """Score each character present (keys of `references`) against the faces found in `image`."""
    measured = {name: list(refs) for name, refs in references.items() if refs}
    scores: dict[str, FaceScore] = {
        name: FaceScore(name, None, None, "no reference face") for name, refs in references.items() if not refs
    }
    faces = face_embeddings(embedder, image) if measured else []
    pairs = sorted(
        (
            (max(cosine_similarity(r, face) for r in refs), name, index)
            for name, refs in measured.items()
            for index, face in enumerate(faces)
        ),
        reverse=True,
    )
    used_faces: set[int] = set()
    for similarity, name, index in pairs:
        if name in scores or index in used_faces:
            continue
        used_faces.add(index)
        scores[name] = FaceScore(name, round(similarity, 4), similarity >= threshold)
    for name in measured:
        if name not in scores:
            scores[name] = FaceScore(name, None, False if face_expected else None, "no face found for this character")
    ordered = tuple(scores[name] for name in references)
    states = [s.passed for s in ordered if s.passed is not None]
    return IdentityVerdict(ordered, None if not states else all(states))


@dataclass(frozen=True)
class QualityVerdict:
    score: QualityScore
    passed: bool


def check_quality(
    image: Any, threshold: float, scorer: Callable[[Any], QualityScore] = quality_score
) -> QualityVerdict:
    score = scorer(image)
    return QualityVerdict(score, score.normalised >= threshold)


def attempt_rank(identity: IdentityVerdict | None, quality: float | None) -> tuple[int, float, float]:
    """Sort key of an attempt (higher is better): passed identity, then the worst similarity, then quality."""
    passed = 1 if identity is None or identity.passed in (True, None) else 0
    worst = identity.worst if identity is not None and identity.worst is not None else 1.0
    return (passed, worst, quality if quality is not None else 0.0)


def face_identifier(
    embedder: FaceEmbedder, references: Mapping[str, Sequence[np.ndarray]], threshold: float
) -> Callable[..., dict[int, str]]:
    """An `app.comic.detect.Identify` for lettering: each detected face (a crop of the panel art around
    its box) is embedded and matched to the character references, best similarity first, each face and
    each name used once, only at or above `threshold`."""

    def identify(
        image: Any, boxes: Sequence[tuple[float, float, float, float]], names: Sequence[str]
    ) -> dict[int, str]:
        rgb = to_rgb(image)
        height, width = rgb.shape[:2]
        wanted = {name: references[name] for name in names if references.get(name)}
        if not wanted:
            return {}
        faces: dict[int, np.ndarray] = {}
        for index, (left, top, right, bottom) in enumerate(boxes):
            pad_x, pad_y = (right - left) * 0.4, (bottom - top) * 0.4
            crop = rgb[
                max(0, int((top - pad_y) * height)) : int(min(1, bottom + pad_y) * height),
                max(0, int((left - pad_x) * width)) : int(min(1, right + pad_x) * width),
            ]
            found = embedder.embed_largest_face(np.ascontiguousarray(crop)) if crop.size else None
            if found is not None:
                faces[index] = np.asarray(found, dtype=np.float64)
        pairs = sorted(
            (
                (max(cosine_similarity(r, face) for r in refs), name, index)
                for name, refs in wanted.items()
                for index, face in faces.items()
            ),
            reverse=True,
        )
        out: dict[int, str] = {}
        for similarity, name, index in pairs:
            if similarity >= threshold and index not in out and name not in out.values():
                out[index] = name
        return out

    return identify
