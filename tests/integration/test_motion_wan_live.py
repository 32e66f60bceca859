"""`motion --method pose` runs on Wan 2.2 14B Fun Control on a live stock ComfyUI, through the service.

The server has the tiny random-weight Wan 2.2 14B files of tests/integration/family_fixtures.py (Fun Control in 52
channels + ref_conv, umt5, Wan 2.1 VAE; no AnimateDiff), so `engine=auto` must pick workflows/wan22_pose_control.json
with the backend's own file names, feed it our pose extraction's skeletons of every 2nd reference frame and the
target as reference image, and give an H.264 MP4 of the asked size with one frame per animated reference frame (7,
where Wan itself renders 4n+1 = 9) at the reference rate / stride, tagged with its provenance. Forcing the
AnimateDiff engine on that server is refused, naming what is missing. With runs capped at 5 frames, --chunk makes
the same 7 frames in 2 overlapping runs, stitched back. One big server, stopped after the test.
Needs COMFYUI_PATH + COMFYUI_PYTHON.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from app.media import EncodeOptions, encode_frames, iter_frames, probe, read_tags
from app.services import motion_service
from app.services.motion_service import MotionError, MotionRequest, run_on_comfyui

from .test_families_live import FAMILY_TIMEOUTS, family_backend, gradient

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
SIZE, REFERENCE_FRAMES, REFERENCE_FPS, STRIDE = 64, 14, 8, 2


@pytest.fixture()
def person_clip(tmp_path: Path) -> Path:
    skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
    photo = skimage_data.astronaut()[::4, ::4]  # 128 x 128, a person our pose extraction finds
    return encode_frames(
        (np.roll(photo, 2 * i, axis=1) for i in range(REFERENCE_FRAMES)),
        tmp_path / "person.mp4",
        EncodeOptions(fps=Fraction(REFERENCE_FPS)),
    )


def test_pose_motion_runs_on_wan_fun_control(tmp_path: Path, person_clip: Path, monkeypatch) -> None:
    settings = {"width": str(SIZE), "height": str(SIZE), "steps": "2", "high_noise_steps": "1", "seed": "7"}
    request = MotionRequest(
        reference=person_clip,
        out=tmp_path / "motion.mp4",
        method="pose",
        target=gradient(tmp_path / "hero.png", axis=0),
        stride=STRIDE,
        settings=settings,
    )
    (tmp_path / "server").mkdir()
    with family_backend("wan22_14b", tmp_path / "server") as client:
        started = time.monotonic()
        report = run_on_comfyui(request, client.base_url, timeouts=FAMILY_TIMEOUTS)
        seconds = round(time.monotonic() - started, 1)
        monkeypatch.setattr(motion_service, "wan_run_limit", lambda maximum: 5)  # 7 frames in 2 chunks of <= 5
        chunked = run_on_comfyui(
            replace(request, out=tmp_path / "chunked.mp4", chunk=True), client.base_url, timeouts=FAMILY_TIMEOUTS
        )
        with pytest.raises(MotionError, match=r"pose animation \(pose_animation\) cannot run on .*: it lacks"):
            run_on_comfyui(
                MotionRequest(
                    reference=person_clip,
                    out=tmp_path / "animatediff.mp4",
                    method="pose",
                    target=request.target,
                    engine="animatediff",
                ),
                client.base_url,
                timeouts=FAMILY_TIMEOUTS,
            )
    assert report.workflow == "wan22_pose_control" and report.chunks == 1
    video = probe(report.out)
    frames = REFERENCE_FRAMES // STRIDE
    assert (video.width, video.height, video.frame_count, video.codec) == (SIZE, SIZE, frames, "h264")
    assert video.fps == Fraction(REFERENCE_FPS, STRIDE) and report.frames == frames
    pixels = np.stack(list(iter_frames(report.out)))
    assert pixels.shape == (frames, SIZE, SIZE, 3) and pixels.std() > 0  # decodes, sampled latents not a blank
    tags = read_tags(report.out)
    assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "motion transfer (pose)"
    assert report.poses is not None and report.poses.is_file()
    assert chunked.chunks == 2 and (probe(chunked.out).frame_count, chunked.frames) == (frames, frames)
    assert not (tmp_path / ".motion.parts").exists() and not (tmp_path / "animatediff.poses.json").exists()
    print(f"\n[motion pose on wan22_14b] {seconds} s for {frames} frames; notes {report.notes}")
