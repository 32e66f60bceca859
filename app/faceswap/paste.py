"""Paste an aligned face crop back into its frame through a feathered box mask.

Only the frame region the crop covers is warped and blended, so the cost follows the face size, not the
frame size.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

# facexlib's FFHQ five-point template for 512 x 512 crops (what GFPGAN is trained on).
FFHQ_TEMPLATE_512 = np.array(
    [
        [192.98138, 239.94708],
        [318.90277, 240.1936],
        [256.63416, 314.01935],
        [201.26117, 371.41043],
        [313.08905, 371.15118],
    ],
    dtype=np.float32,
)


@functools.lru_cache(maxsize=16)
def feather_mask(size: int, blur: float = 0.3, padding: float = 0.0) -> np.ndarray:
    """A size x size float mask: 1 inside a box inset by padding, fading to 0 at the edges over `blur` of the size."""
    mask = np.zeros((size, size), np.float32)
    inset = int(round(size * max(0.0, padding))) + 1
    feather = max(1, int(round(size * max(0.0, blur) * 0.25)))
    edge = inset + feather
    if edge * 2 < size:
        mask[edge : size - edge, edge : size - edge] = 1.0
    else:
        mask[size // 2, size // 2] = 1.0
    if feather > 1:
        k = feather * 2 + 1
        mask = np.clip(cv2.GaussianBlur(mask, (k, k), 0), 0.0, 1.0)
    mask.setflags(write=False)  # cached and shared
    return mask


def align_to_template(
    frame: np.ndarray, kps: np.ndarray, size: int = 512, template: np.ndarray = FFHQ_TEMPLATE_512
) -> tuple[np.ndarray, np.ndarray]:
    """Warp the face with landmarks kps to a size x size crop in the template's alignment; returns (crop, M)."""
    scaled = template * (size / 512.0)
    matrix, _ = cv2.estimateAffinePartial2D(kps.astype(np.float32), scaled, method=cv2.LMEDS)
    if matrix is None:
        matrix = cv2.getAffineTransform(kps[:3].astype(np.float32), scaled[:3])
    crop = cv2.warpAffine(frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
    return crop, matrix


def paste_back(
    frame: np.ndarray, crop: np.ndarray, matrix: np.ndarray, mask: np.ndarray, amount: float = 1.0
) -> np.ndarray:
    """Blend `crop` (aligned with `matrix`: frame -> crop) into `frame` in place within the face region;
    returns frame."""
    h, w = frame.shape[:2]
    inverse = cv2.invertAffineTransform(matrix)
    size = crop.shape[0]
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float32) @ inverse.T
    x1, y1 = np.floor(corners.min(axis=0)).astype(int)
    x2, y2 = np.ceil(corners.max(axis=0)).astype(int)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if x2 <= x1 or y2 <= y1:
        return frame
    shifted = inverse.copy()
    shifted[:, 2] -= (x1, y1)
    region = (x2 - x1, y2 - y1)
    warped = cv2.warpAffine(crop, shifted, region, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(mask, shifted, region, flags=cv2.INTER_LINEAR, borderValue=0.0)[..., None] * float(amount)
    roi = frame[y1:y2, x1:x2].astype(np.float32)
    frame[y1:y2, x1:x2] = np.clip(roi + (warped.astype(np.float32) - roi) * alpha + 0.5, 0, 255).astype(np.uint8)
    return frame
