"""Pluggable face detectors that give boxes and the five landmarks insightface aligns with.

- InsightfaceDetector: SCRFD (det_10g.onnx of buffalo_l) through insightface's model zoo.
- MediapipeDetector: the BlazeFace model shipped inside mediapipe 0.10.21 (no download); its six
  keypoints give the eyes and nose, the mouth corners are placed from the mouth centre and the eye axis.
Both take RGB uint8 frames.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import FaceSwapError
from .types import Detection

# ArcFace's 112 x 112 template: mouth width relative to the eye distance.
_MOUTH_TO_EYE_RATIO = (70.7299 - 41.5493) / (73.5318 - 38.2946)


class Detector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> list[Detection]: ...


class InsightfaceDetector:
    """insightface SCRFD detector from an ONNX file."""

    name = "insightface"

    def __init__(
        self, model_path: Path, session_kwargs: dict[str, Any], det_size: int = 640, threshold: float = 0.5
    ) -> None:
        from insightface.model_zoo import model_zoo

        self.model = model_zoo.get_model(str(model_path), **session_kwargs)
        if self.model is None or getattr(self.model, "taskname", "") != "detection":
            raise FaceSwapError(
                f"{model_path} is not a face detection model (SCRFD); check the detector entry of the manifest."
            )
        self.model.prepare(0, input_size=(det_size, det_size), det_thresh=threshold)
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        with self._lock:
            boxes, kpss = self.model.detect(bgr, max_num=0, metric="default")
        if boxes is None or len(boxes) == 0 or kpss is None:
            return []
        return [
            Detection(bbox=b[:4].astype(np.float32), kps=k.astype(np.float32), score=float(b[4]))
            for b, k in zip(boxes, kpss)
        ]


class MediapipeDetector:
    """BlazeFace from the mediapipe wheel (short range for faces within ~2 m, full range otherwise)."""

    name = "mediapipe"

    def __init__(self, threshold: float = 0.5, full_range: bool = True) -> None:
        try:
            from mediapipe.python.solutions import face_detection
        except ImportError:
            raise FaceSwapError(
                "the fallback face detector needs mediapipe 0.10.21 (pip install --no-deps mediapipe==0.10.21), "
                "or put insightface's det_10g.onnx in the models folder."
            ) from None
        self._detectors = [
            face_detection.FaceDetection(model_selection=selection, min_detection_confidence=threshold)
            for selection in ((0, 1) if full_range else (0,))
        ]
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        found: list[Detection] = []
        image = np.ascontiguousarray(rgb)
        with self._lock:
            for detector in self._detectors:
                result = detector.process(image)
                found = [_mediapipe_detection(d, w, h) for d in (result.detections or [])]
                if found:
                    break
        return found

    def close(self) -> None:
        for detector in self._detectors:
            detector.close()


def _mediapipe_detection(detection: Any, width: int, height: int) -> Detection:
    data = detection.location_data
    box = data.relative_bounding_box
    x1, y1 = box.xmin * width, box.ymin * height
    bbox = np.array([x1, y1, x1 + box.width * width, y1 + box.height * height], dtype=np.float32)
    points = np.array([[p.x * width, p.y * height] for p in data.relative_keypoints], dtype=np.float32)
    return Detection(bbox=bbox, kps=five_points_from_blazeface(points), score=float(detection.score[0]))


def five_points_from_blazeface(points: np.ndarray) -> np.ndarray:
    """BlazeFace keypoints (eye, eye, nose tip, mouth centre, ear, ear) -> insightface's five points.

    insightface orders the eyes by image x (the first is the one on the left of the picture).
    """
    eye_a, eye_b, nose, mouth = points[0], points[1], points[2], points[3]
    left_eye, right_eye = (eye_a, eye_b) if eye_a[0] <= eye_b[0] else (eye_b, eye_a)
    axis = right_eye - left_eye
    eye_distance = float(np.linalg.norm(axis)) or 1.0
    unit = axis / eye_distance
    half_mouth = 0.5 * _MOUTH_TO_EYE_RATIO * eye_distance
    centre = mouth
    return np.stack([left_eye, right_eye, nose, centre - unit * half_mouth, centre + unit * half_mouth]).astype(
        np.float32
    )
