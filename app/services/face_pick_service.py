"""What the face-swap screen needs around `FaceSwapService`: a frame of the target, the faces found in it
(cropped, to pick the reference face), and a one-frame preview before the full run.

Face detection uses the configured detector (insightface's det_10g when present, else MediaPipe's
BlazeFace, which ships inside the mediapipe package), so faces can be picked before any model is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from ..config import Config
from ..errors import InkframeError
from ..image_files import READABLE_IMAGE_SUFFIXES
from .faceswap_service import FaceSwapRequest, FaceSwapResult, FaceSwapService, load_catalog

CROP_MARGIN = 0.25


class FacePickError(InkframeError):
    """A target whose faces cannot be shown."""


@dataclass(frozen=True)
class DetectedFace:
    index: int  # left to right
    crop: Path
    box: tuple[int, int, int, int]
    score: float


def is_image(path: Path) -> bool:
    return path.suffix.lower() in READABLE_IMAGE_SUFFIXES


def target_frame(target: Path, work_dir: Path, at_seconds: float = 0.0) -> Path:
    """The target itself for an image; for a video, the frame at `at_seconds` saved as PNG."""
    if is_image(target):
        return target
    from ..media import read_frame

    try:
        rgb = read_frame(target, max(0.0, at_seconds))
    except InkframeError as exc:
        raise FacePickError(str(exc)) from exc
    except StopIteration:
        raise FacePickError(f"{target.name} has no frame at {at_seconds:.1f} s; pick an earlier time.") from None
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / f"{target.stem}-frame-{at_seconds:.2f}s.png"
    Image.fromarray(np.asarray(rgb, dtype=np.uint8)).save(path)
    return path


def detect_faces(config: Config, frame: Path, work_dir: Path) -> list[DetectedFace]:
    """Every face in `frame`, left to right, each cropped (with a margin) into `work_dir`."""
    from ..faceswap import ROLE_DEFAULTS, RuntimeSettings, load_rgb
    from ..faceswap.engine import build_detector
    from ..faceswap.runtime import session_kwargs

    rgb = load_rgb(frame)
    runtime = RuntimeSettings(providers=config.faceswap.providers, threads=config.faceswap.threads)
    detector = build_detector(
        config.faceswap.detector, load_catalog(config), dict(ROLE_DEFAULTS), session_kwargs(runtime)
    )
    try:
        detections = sorted(detector.detect(rgb), key=lambda d: float(d.bbox[0]))
    finally:
        close = getattr(detector, "close", None)
        if close:
            close()
    work_dir.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(rgb)
    faces = []
    for index, detection in enumerate(detections):
        x1, y1, x2, y2 = (float(v) for v in detection.bbox[:4])
        mx, my = (x2 - x1) * CROP_MARGIN, (y2 - y1) * CROP_MARGIN
        box = (
            max(0, int(x1 - mx)),
            max(0, int(y1 - my)),
            min(image.width, int(x2 + mx)),
            min(image.height, int(y2 + my)),
        )
        crop = work_dir / f"{frame.stem}-face-{index + 1}.png"
        image.crop(box).save(crop)
        faces.append(DetectedFace(index, crop, (int(x1), int(y1), int(x2), int(y2)), float(detection.score)))
    return faces


def preview(service: FaceSwapService, request: FaceSwapRequest, frame: Path, work_dir: Path) -> FaceSwapResult:
    """Swap one frame (the target image, or the picked video frame) with the request's settings."""
    out = work_dir / f"preview-{frame.stem}.png"
    return service.swap(replace(request, target=frame, out=out, overwrite=True, trim=None, codec=None, crf=None))


def missing_models(config: Config) -> list[str]:
    """The face-swap models (recognition, swapper, restorer) not yet on disk; the detector has a built-in fallback."""
    from ..faceswap import ROLE_DEFAULTS

    catalog = load_catalog(config)
    needed = [ROLE_DEFAULTS[role] for role in ("recognition", "swapper", "gfpgan")]
    return [name for name in needed if not catalog.exists(name)]
