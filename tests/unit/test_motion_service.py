"""Motion service without ComfyUI: pose preview end to end, and the checks that run before anything is queued."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from app.media import EncodeOptions, TimeRange, encode_frames, probe
from app.services.motion_service import (
    MotionError,
    MotionRequest,
    frame_budget,
    run_pose_preview,
    server_input_path,
    summarise,
)
from app.workflows import Problem

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def person_clip(tmp_path_factory) -> Path:
    photo = skimage_data.astronaut()
    path = tmp_path_factory.mktemp("clips") / "person.mp4"
    return encode_frames((np.roll(photo, 3 * i, axis=1) for i in range(12)), path, EncodeOptions(fps=Fraction(10)))


def test_pose_preview_writes_keypoints_and_skeleton_video(person_clip, tmp_path):
    report = run_pose_preview(MotionRequest(reference=person_clip, out=tmp_path / "pose.mp4", stride=2))
    assert report.frames == 6
    data = json.loads(report.poses.read_text())
    assert len(data["frames"]) == 6 and len(data["frames"][0]["keypoints"]) == 33
    info = probe(report.preview)
    assert info.frame_count == 6 and info.fps == Fraction(5)


def test_trim_keeps_source_times(person_clip, tmp_path):
    report = run_pose_preview(
        MotionRequest(reference=person_clip, out=tmp_path / "pose.mp4", trim=TimeRange.parse("0.5:1.0"))
    )
    times = [frame["time_s"] for frame in json.loads(report.poses.read_text())["frames"]]
    assert times[0] == pytest.approx(0.5, abs=0.11) and times[-1] < 1.0


def test_existing_output_and_missing_target_are_refused(person_clip, tmp_path):
    existing = tmp_path / "taken.mp4"
    existing.write_bytes(b"x")
    with pytest.raises(MotionError, match="taken.mp4 already exists; choose another --out or pass --overwrite."):
        run_pose_preview(MotionRequest(reference=person_clip, out=existing))
    from app.services.motion_service import check_request

    with pytest.raises(MotionError, match="the pose method needs --target, an image of the character; none was given."):
        check_request(MotionRequest(reference=person_clip, out=tmp_path / "o.mp4", method="pose"))


def test_clip_too_long_offers_trim_stride_or_chunks(person_clip, tmp_path):
    info = probe(person_clip)
    request = MotionRequest(reference=person_clip, out=tmp_path / "o.mp4", method="pose")
    with pytest.raises(MotionError) as error:
        frame_budget(request, info, maximum=8)
    assert str(error.value) == (
        "person.mp4 gives 12 frames (1.2 s at 10 fps, stride 1); the pose workflow takes at most "
        "8 frames a run: trim it with --trim, raise --stride, or pass --chunk to animate it in overlapping chunks."
    )
    chunked = MotionRequest(reference=person_clip, out=tmp_path / "o.mp4", method="pose", chunk=True)
    total, ranges = frame_budget(chunked, info, maximum=8)
    assert total == 12 and ranges[0] == (0, 8) and ranges[-1][1] == 12


def test_server_input_path_follows_the_input_directory():
    assert (
        server_input_path({"system": {"argv": ["main.py", "--input-directory", "/data/in"]}}, "inkframe/a.mp4")
        == "/data/in/inkframe/a.mp4"
    )
    assert server_input_path({"system": {"argv": ["main.py"]}}, "inkframe/a.mp4") == "input/inkframe/a.mp4"


def test_missing_packs_are_named_once_each():
    problems = [
        Problem("missing_node", "1", "s1", install="comfy node install a"),
        Problem("missing_node", "2", "s2", install="comfy node install a"),
        Problem("missing_model", "3", "model x is missing."),
    ]
    assert summarise(problems) == "it lacks node packs, install them with `comfy node install a`. model x is missing."


def test_cli_pose_preview_and_no_person(person_clip, tmp_path):
    done = subprocess.run(
        [sys.executable, "main.py", "motion", "--reference", str(person_clip), "--out", str(tmp_path / "p.mp4")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"poses: {tmp_path / 'p.json'}" in done.stdout
    empty = encode_frames(
        (np.full((64, 64, 3), 90, np.uint8) for _ in range(5)), tmp_path / "empty.mp4", EncodeOptions(fps=Fraction(5))
    )
    failed = subprocess.run(
        [sys.executable, "main.py", "motion", "--reference", str(empty), "--out", str(tmp_path / "e.mp4")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        "error: no person detected in 5 of 5 frames of empty.mp4 (frames 0-4); use a clip where "
        "one person is fully visible, or trim to the frames that show them."
    )


def test_portrait_target_without_a_face_is_refused(tmp_path):
    from PIL import Image

    from app.services.motion_service import check_target_face

    blank = tmp_path / "wall.png"
    Image.new("RGB", (256, 256), (120, 140, 160)).save(blank)
    with pytest.raises(
        MotionError, match="no face found in the target wall.png; portrait animation needs a clear, front-facing face."
    ):
        check_target_face(blank)
    photo = tmp_path / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(photo)
    check_target_face(photo)  # a real face passes


class _MeanColourEmbedder:
    """Test embedder (not a face model): the mean colour of the centre, or None for a dark frame."""

    def embed_largest_face(self, rgb):
        centre = (
            rgb[rgb.shape[0] // 4 : -rgb.shape[0] // 4, rgb.shape[1] // 4 : -rgb.shape[1] // 4]
            .reshape(-1, 3)
            .mean(axis=0)
        )
        return None if centre.max() < 20 else centre - 60.0


def test_identity_scores_sample_the_clip(tmp_path):
    from PIL import Image

    from app.services.motion_service import identity_scores

    target = tmp_path / "t.png"
    Image.new("RGB", (64, 64), (200, 60, 60)).save(target)
    frames = [np.full((64, 64, 3), (200, 60, 60) if i < 8 else (5, 5, 5), np.uint8) for i in range(16)]
    clip = encode_frames(frames, tmp_path / "c.mp4", EncodeOptions(fps=Fraction(8)))
    scores, note = identity_scores(target, clip, samples=4, embedder=_MeanColourEmbedder())
    assert note == "" and len(scores) == 4
    assert scores[0] > 0.99 and scores[1] > 0.99 and scores[2] is None and scores[3] is None
