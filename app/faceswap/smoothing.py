"""Temporal smoothing of detections: tracks associated by box overlap, boxes and landmarks averaged (EMA).

Cuts the frame-to-frame jitter of the landmarks that the swapper aligns with, which is what flickers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Detection


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass
class Track:
    track_id: int
    bbox: np.ndarray
    kps: np.ndarray
    score: float
    missed: int = 0


class FaceTracker:
    """Smooths detections over consecutive frames; `strength` 0 passes them through, towards 1 is steadier."""

    def __init__(self, strength: float = 0.6, min_iou: float = 0.3, max_missed: int = 2) -> None:
        if not 0.0 <= strength < 1.0:
            raise ValueError("smoothing strength must be in [0, 1)")
        self.strength = strength
        self.min_iou = min_iou
        self.max_missed = max_missed
        self.tracks: list[Track] = []
        self._next_id = 0

    def update(self, detections: list[Detection]) -> list[tuple[int, Detection]]:
        """Associate this frame's detections with tracks (greedy, best IoU first) and return smoothed ones."""
        pairs = sorted(
            ((box_iou(t.bbox, d.bbox), ti, di) for ti, t in enumerate(self.tracks) for di, d in enumerate(detections)),
            reverse=True,
        )
        used_t: set[int] = set()
        used_d: set[int] = set()
        out: list[tuple[int, Detection]] = []
        a = self.strength
        for iou, ti, di in pairs:
            if iou < self.min_iou or ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            track, det = self.tracks[ti], detections[di]
            # a large move (a cut or fast motion) follows the detection more closely
            weight = a * min(1.0, iou / 0.7)
            track.bbox = weight * track.bbox + (1 - weight) * det.bbox
            track.kps = weight * track.kps + (1 - weight) * det.kps
            track.score, track.missed = det.score, 0
            out.append(
                (track.track_id, Detection(track.bbox.astype(np.float32), track.kps.astype(np.float32), det.score))
            )
        for ti, track in enumerate(self.tracks):
            if ti not in used_t:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        for di, det in enumerate(detections):
            if di not in used_d:
                track = Track(self._next_id, det.bbox.astype(np.float64), det.kps.astype(np.float64), det.score)
                self._next_id += 1
                self.tracks.append(track)
                out.append((track.track_id, det))
        return out
