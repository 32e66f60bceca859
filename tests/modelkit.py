"""Test assets built at test time: synthetic clips (ffmpeg lavfi) and models with the real file signatures.

Never commit weights: models are random-initialised with a fixed seed and cached under
~/.cache/inkframe-test-models (or $INKFRAME_TEST_MODELS), keyed by the seed and a format version.
The book-builder tests reuse these helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

SEED = 1234
KIT_VERSION = "v1"


def cache_dir() -> Path:
    root = Path(os.environ.get("INKFRAME_TEST_MODELS", Path.home() / ".cache" / "inkframe-test-models"))
    path = root / f"{KIT_VERSION}-seed{SEED}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def make_clip(path: Path, *, seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (64, 48),
              audio: bool = True, codec: str = "libx264", color_range: str | None = None, source: str = "testsrc") -> Path:
    """A synthetic clip from ffmpeg's lavfi test source (+ a sine tone when audio)."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}=size={size[0]}x{size[1]}:rate={fps}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    args += ["-c:v", codec, "-pix_fmt", "yuv420p"]
    if color_range:
        args += ["-color_range", color_range]
    subprocess.run([*args, str(path)], check=True, timeout=120)
    return path


def make_face_clip(path: Path, face_rgb: np.ndarray, *, frames: int = 12, fps: int = 10, size: tuple[int, int] = (256, 256),
                   audio: bool = True, drift_px: int = 2) -> Path:
    """A clip of a real face image slowly panning (so detections move a little), encoded with ffmpeg."""
    import cv2

    h, w = size[1], size[0]
    base = cv2.resize(face_rgb, (w + frames * drift_px, h + frames * drift_px // 2), interpolation=cv2.INTER_AREA)
    tmp_raw = path.with_suffix(".rgb")
    with open(tmp_raw, "wb") as raw:
        for i in range(frames):
            x, y = i * drift_px, i * drift_px // 2
            raw.write(np.ascontiguousarray(base[y:y + h, x:x + w]).tobytes())
    args = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", str(tmp_raw)]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=330:duration={frames / fps}", "-c:a", "aac", "-shortest"]
    subprocess.run([*args, "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=120)
    tmp_raw.unlink()
    return path


def astronaut() -> np.ndarray:
    """A real photo with one face, shipped inside scikit-image (RGB uint8, 512 x 512)."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())
