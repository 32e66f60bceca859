"""Face analysis: a pluggable detector, then insightface's recognition (ArcFace) and gender/age models.

This is the loop of insightface's FaceAnalysis.get with the detector made pluggable, so the shipped
mediapipe detector can stand in when insightface's SCRFD file is absent. Frames are RGB uint8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .detectors import Detector
from .errors import FaceSwapError
from .types import Detection, Face


def load_insightface_model(path: Path, session_kwargs: dict[str, Any], expected_task: str) -> Any:
    """Load an ONNX file through insightface's model router and check the task it was routed to."""
    from insightface.model_zoo import model_zoo

    model = model_zoo.get_model(str(path), **session_kwargs)
    task = getattr(model, "taskname", None) if model is not None else None
    if task != expected_task:
        raise FaceSwapError(
            f"{path} is not a {expected_task} model (insightface sees {task or 'an unknown model'}); "
            "check that the file matches its manifest entry."
        )
    model.prepare(0)
    return model


class FaceAnalyzer:
    """Detect faces and add embedding, gender and age to each."""

    def __init__(self, detector: Detector, recognition: Any | None = None, genderage: Any | None = None) -> None:
        self.detector = detector
        self.recognition = recognition
        self.genderage = genderage

    def analyze(self, rgb: np.ndarray, detections: list[Detection] | None = None, embed: bool = True) -> list[Face]:
        """Faces in an RGB frame, largest first; pass detections to skip detection (e.g. smoothed tracks)."""
        from insightface.app.common import Face as InsightFace

        found = self.detector.detect(rgb) if detections is None else detections
        if not found:
            return []
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        faces: list[Face] = []
        for det in found:
            face = Face(bbox=det.bbox, kps=det.kps, score=det.score)
            if (embed and self.recognition is not None) or self.genderage is not None:
                shim = InsightFace(bbox=det.bbox, kps=det.kps, det_score=det.score)
                if embed and self.recognition is not None:  # onnxruntime sessions are thread-safe
                    face.embedding = np.asarray(self.recognition.get(bgr, shim), dtype=np.float32).ravel()
                if self.genderage is not None:
                    gender, age = self.genderage.get(bgr, shim)
                    face.gender, face.age = ("male" if int(gender) == 1 else "female"), int(age)
            faces.append(face)
        faces.sort(key=lambda f: f.area, reverse=True)
        return faces
