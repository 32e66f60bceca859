"""Typed values and option vocabularies of the face-swap library."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

Selector = Literal["reference", "one", "many"]
SELECTORS: tuple[str, ...] = get_args(Selector)
OneMode = Literal["largest", "left-most", "index"]
ONE_MODES: tuple[str, ...] = get_args(OneMode)
Enhancer = Literal["gfpgan", "none"]
ENHANCERS: tuple[str, ...] = get_args(Enhancer)
Gender = Literal["any", "female", "male"]
GENDERS: tuple[str, ...] = get_args(Gender)
DetectorKind = Literal["auto", "insightface", "mediapipe"]
DETECTOR_KINDS: tuple[str, ...] = get_args(DetectorKind)


@dataclass(frozen=True)
class Detection:
    """One detected face: box (x1, y1, x2, y2), five landmarks (left eye, right eye, nose, mouth corners), score."""

    bbox: np.ndarray
    kps: np.ndarray
    score: float


@dataclass
class Face:
    """A detected face with what the analysis models add (embedding, gender, age)."""

    bbox: np.ndarray
    kps: np.ndarray
    score: float
    embedding: np.ndarray | None = None
    gender: Literal["female", "male"] | None = None
    age: int | None = None
    track_id: int | None = None

    @property
    def normed_embedding(self) -> np.ndarray:
        if self.embedding is None:
            raise ValueError("this face has no embedding (no recognition model ran)")
        return self.embedding / (np.linalg.norm(self.embedding) + 1e-12)

    @property
    def area(self) -> float:
        return float(max(0.0, self.bbox[2] - self.bbox[0]) * max(0.0, self.bbox[3] - self.bbox[1]))


@dataclass(frozen=True)
class SourceIdentity:
    """The identity to paint in: the mean of the normalised embeddings of one or more source faces."""

    embedding: np.ndarray
    files: tuple[str, ...] = ()

    @property
    def normed_embedding(self) -> np.ndarray:
        return self.embedding / (np.linalg.norm(self.embedding) + 1e-12)


@dataclass(frozen=True)
class SelectionSettings:
    """Which target faces to swap."""

    selector: Selector = "one"
    one_mode: OneMode = "largest"
    face_index: int = 0
    reference: np.ndarray | None = None
    reference_distance: float = 0.9
    gender: Gender = "any"
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class SwapSettings:
    """How to swap: selection, enhancer and blending."""

    selection: SelectionSettings = field(default_factory=SelectionSettings)
    enhancer: Enhancer = "gfpgan"
    blend: float = 0.8
    mask_blur: float = 0.3
    mask_padding: float = 0.0
    smoothing: float = 0.6
