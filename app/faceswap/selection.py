"""Which target faces to swap: reference (similar to a chosen face), one (largest, left-most, by index) or many."""

from __future__ import annotations

import numpy as np

from .errors import FaceSwapError, NoFaceFound
from .types import Face, SelectionSettings, SourceIdentity


def cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    """1 - cosine similarity of two embeddings (0 same direction, 2 opposite)."""
    a = a.ravel() / (np.linalg.norm(a) + 1e-12)
    b = b.ravel() / (np.linalg.norm(b) + 1e-12)
    return float(1.0 - np.dot(a, b))


def average_identity(faces_by_file: list[tuple[str, list[Face]]]) -> SourceIdentity:
    """The source identity: the mean normalised embedding of the largest face of each source image.

    A source without a face is named in the error.
    """
    embeddings = []
    for name, faces in faces_by_file:
        if not faces:
            raise NoFaceFound(f"no face was found in the source image {name}; use a clear, front-facing photo.")
        largest = max(faces, key=lambda f: f.area)
        if largest.embedding is None:
            raise FaceSwapError("the recognition model is not loaded, so the source identity cannot be computed.")
        embeddings.append(largest.normed_embedding)
    if not embeddings:
        raise NoFaceFound("no source image was given; pass at least one --source picture of the face to use.")
    return SourceIdentity(
        embedding=np.mean(embeddings, axis=0).astype(np.float32), files=tuple(n for n, _ in faces_by_file)
    )


def _passes_filters(face: Face, settings: SelectionSettings) -> bool:
    if settings.gender != "any" and face.gender is not None and face.gender != settings.gender:
        return False
    if face.age is not None:
        if settings.min_age is not None and face.age < settings.min_age:
            return False
        if settings.max_age is not None and face.age > settings.max_age:
            return False
    return True


def select_faces(faces: list[Face], settings: SelectionSettings) -> list[Face]:
    """The faces of one frame that the settings pick (possibly none)."""
    candidates = [f for f in faces if _passes_filters(f, settings)]
    if not candidates:
        return []
    if settings.selector == "many":
        return candidates
    if settings.selector == "reference":
        if settings.reference is None:
            raise FaceSwapError("the reference selector needs a reference face; pass --reference-face IMAGE.")
        scored = [(cosine_distance(f.embedding, settings.reference), f) for f in candidates if f.embedding is not None]
        return [f for d, f in sorted(scored, key=lambda item: item[0]) if d <= settings.reference_distance]
    if settings.one_mode == "left-most":
        return [min(candidates, key=lambda f: f.bbox[0])]
    if settings.one_mode == "index":
        ordered = sorted(candidates, key=lambda f: f.bbox[0])  # indices count from the left of the picture
        return [ordered[settings.face_index]] if 0 <= settings.face_index < len(ordered) else []
    return [max(candidates, key=lambda f: f.area)]
