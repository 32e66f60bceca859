"""Face swapping with insightface's INSwapper (inswapper_128.onnx, loaded through its model router)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .errors import FaceSwapError
from .types import Face, SourceIdentity


class _Target:
    """The attributes INSwapper reads from a target face."""

    def __init__(self, kps: np.ndarray) -> None:
        self.kps = kps


class _Source:
    def __init__(self, normed_embedding: np.ndarray) -> None:
        self.normed_embedding = normed_embedding


class Swapper:
    """Turns a target face into the source identity; returns the 128 x 128 RGB crop and its alignment."""

    def __init__(self, model_path: Path, session_kwargs: dict[str, Any]) -> None:
        from insightface.model_zoo import model_zoo

        model = model_zoo.get_model(str(model_path), **session_kwargs)
        if model is None or type(model).__name__ != "INSwapper":
            raise FaceSwapError(
                f"{model_path} is not an inswapper model (two inputs target 1x3x128x128 and source 1x512); "
                "check that the file matches its manifest entry."
            )
        self.model = model
        self.size = int(model.input_size[0])

    def swap(self, rgb: np.ndarray, face: Face, source: SourceIdentity) -> tuple[np.ndarray, np.ndarray]:
        """(crop RGB size x size, M frame -> crop) for one target face."""
        bgr = rgb[..., ::-1]
        # onnxruntime sessions are safe to run from several threads at once
        fake_bgr, matrix = self.model.get(
            np.ascontiguousarray(bgr), _Target(face.kps), _Source(source.normed_embedding), paste_back=False
        )
        return np.ascontiguousarray(fake_bgr[..., ::-1]), matrix
