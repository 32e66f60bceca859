"""Draw pose keypoints as an OpenPose-style skeleton image (the conditioning ControlNet OpenPose expects).

BlazePose's 33 landmarks are mapped to the 18-point COCO/OpenPose body layout (the neck is the
shoulders' midpoint) and drawn with OpenPose's limb colours on black.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .pose_types import Keypoint

# OpenPose body-18 index -> BlazePose index (None: derived).
OPENPOSE_FROM_BLAZEPOSE: tuple[int | None, ...] = (0, None, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7)
OPENPOSE_LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2),
    (1, 5),
    (2, 3),
    (3, 4),
    (5, 6),
    (6, 7),
    (1, 8),
    (8, 9),
    (9, 10),
    (1, 11),
    (11, 12),
    (12, 13),
    (1, 0),
    (0, 14),
    (14, 16),
    (0, 15),
    (15, 17),
)
OPENPOSE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0),
    (255, 85, 0),
    (255, 170, 0),
    (255, 255, 0),
    (170, 255, 0),
    (85, 255, 0),
    (0, 255, 0),
    (0, 255, 85),
    (0, 255, 170),
    (0, 255, 255),
    (0, 170, 255),
    (0, 85, 255),
    (0, 0, 255),
    (85, 0, 255),
    (170, 0, 255),
    (255, 0, 255),
    (255, 0, 170),
    (255, 0, 85),
)
MIN_VISIBILITY = 0.3


def to_openpose(keypoints: tuple[Keypoint, ...]) -> list[Keypoint | None]:
    """Map BlazePose landmarks to OpenPose body-18; points below MIN_VISIBILITY become None."""
    if not keypoints:
        return [None] * 18

    def visible(index: int) -> Keypoint | None:
        point = keypoints[index]
        return point if point.visibility >= MIN_VISIBILITY else None

    mapped: list[Keypoint | None] = []
    for source in OPENPOSE_FROM_BLAZEPOSE:
        if source is not None:
            mapped.append(visible(source))
            continue
        left, right = visible(11), visible(12)
        mapped.append(
            Keypoint((left.x + right.x) / 2, (left.y + right.y) / 2, min(left.visibility, right.visibility))
            if left and right
            else None
        )
    return mapped


def draw_skeleton(
    keypoints: tuple[Keypoint, ...], width: int, height: int, stick_width: int | None = None
) -> np.ndarray:
    """Return an RGB uint8 image (height x width) with the OpenPose skeleton on black."""
    canvas = np.zeros((height, width, 3), np.uint8)
    points = to_openpose(keypoints)
    stick = stick_width or max(2, round(min(width, height) / 128))
    for limb_index, (a, b) in enumerate(OPENPOSE_LIMBS):
        pa, pb = points[a], points[b]
        if pa is None or pb is None:
            continue
        xa, ya, xb, yb = pa.x * width, pa.y * height, pb.x * width, pb.y * height
        length = math.hypot(xb - xa, yb - ya)
        angle = math.degrees(math.atan2(yb - ya, xb - xa))
        polygon = cv2.ellipse2Poly(
            (int((xa + xb) / 2), int((ya + yb) / 2)), (int(length / 2), stick), int(angle), 0, 360, 1
        )
        layer = canvas.copy()
        cv2.fillConvexPoly(layer, polygon, OPENPOSE_COLOURS[limb_index], lineType=cv2.LINE_AA)
        canvas = cv2.addWeighted(canvas, 0.4, layer, 0.6, 0)
    for index, point in enumerate(points):
        if point is not None:
            cv2.circle(
                canvas,
                (int(point.x * width), int(point.y * height)),
                stick + 2,
                OPENPOSE_COLOURS[index],
                -1,
                cv2.LINE_AA,
            )
    return canvas
