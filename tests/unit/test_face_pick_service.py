"""Faces found in a target (to pick the reference) and frames taken from videos; no swap models needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from app.config import load_config
from app.services import face_pick_service


@pytest.fixture
def config(tmp_path):
    return load_config(
        None,
        environ={"INKFRAME__FACESWAP__MODELS_DIR": str(tmp_path / "models"), "INKFRAME__FACESWAP__DETECTOR": "auto"},
    )


def test_faces_are_found_left_to_right_and_cropped(config, tmp_path):
    insightface = pytest.importorskip("insightface")
    photo = Path(insightface.__file__).parent / "data" / "images" / "t1.jpg"
    if not photo.is_file():
        pytest.skip(f"insightface's sample photo {photo} is not installed")
    faces = face_pick_service.detect_faces(config, photo, tmp_path / "faces")
    assert len(faces) >= 2
    assert [face.box[0] for face in faces] == sorted(face.box[0] for face in faces)
    assert all(face.crop.is_file() and Image.open(face.crop).size[0] > 10 for face in faces)


def test_a_blank_picture_has_no_faces(config, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 150), (120, 160, 200)).save(blank)
    assert face_pick_service.detect_faces(config, blank, tmp_path / "faces") == []


def test_image_target_is_its_own_frame_and_video_gives_a_png(tmp_path):
    image = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(image)
    assert face_pick_service.target_frame(image, tmp_path) == image
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    video = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    frame = face_pick_service.target_frame(video, tmp_path / "frames", 0.5)
    assert frame.suffix == ".png" and Image.open(frame).size == (64, 48)


def test_missing_swap_models_are_named(config):
    assert set(face_pick_service.missing_models(config)) == {"w600k_r50.onnx", "inswapper_128.onnx", "GFPGANv1.4.pth"}
