"""The built-in portrait_animation workflow (ComfyUI-LivePortraitKJ + VideoHelperSuite) runs end to end on a live
stock ComfyUI through the app's run path (run_workflow): the pack's MediaPipe cropper finds the face of a real photo
(scikit-image's bundled `astronaut`, copied at test time), its five networks (random-weight, full size, built with
the pack's own classes: tests/integration/pack_builders/build_liveportrait.py) animate it after a few frames made
from that photo, and VideoHelperSuite writes the clip. Nothing is downloaded: the server runs with HF_HUB_OFFLINE=1
and the files sit where the pack looks (<models dir>/liveportrait), so a download attempt fails the run.

Needs, in ComfyUI's venv: mediapipe 0.10.21 (--no-deps) with protobuf<5, onnxruntime, pykalman, matplotlib
(docs/testing.md).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from app.config import Timeouts
from app.media import EncodeOptions, VideoWriter, iter_frames, probe
from app.services.run_service import run_workflow
from app.workflows import resolve_workflow

from .family_fixtures import comfy_env
from .pack_fixtures import packs_dir, start_pack_server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=1500, ready=300)
PACKS = ("ComfyUI-LivePortraitKJ", "ComfyUI-VideoHelperSuite")
SIDE, DRIVING_FRAMES, FRAMES, OUTPUT_FPS = 256, 6, 4, 24  # max_frames caps the 6 driving frames at 4

# what LivePortraitLoadMediaPipeCropper does first: build mediapipe's face landmarker from the pack's task file
MEDIAPIPE_CHECK = """
import sys, types
pack = sys.argv[1]
module = types.ModuleType("media_pipe")
module.__path__ = [pack + "/media_pipe"]
sys.modules["media_pipe"] = module
from media_pipe.mp_utils import LMKExtractor
LMKExtractor()
import onnxruntime, pykalman
"""


def mediapipe_problem(python: Path, pack: Path) -> str:
    """'' when ComfyUI's Python can build the pack's MediaPipe cropper, else the reason (the last error line)."""
    done = subprocess.run(
        [str(python), "-c", MEDIAPIPE_CHECK, str(pack)], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode == 0:
        return ""
    last = [line for line in done.stderr.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
    return last[0][:300]


def portrait_photo(folder: Path) -> Path:
    """scikit-image's bundled astronaut (a real photo with a frontal face), scaled to SIDE x SIDE."""
    skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (requirements-dev.txt) ships the photo")
    from PIL import Image

    path = folder / "portrait.png"
    Image.fromarray(skimage_data.astronaut()).resize((SIDE, SIDE), Image.LANCZOS).save(path)
    return path


def driving_clip(photo: Path, folder: Path) -> Path:
    """DRIVING_FRAMES frames of the photo, each shifted a few pixels (a head that moves), as an H.264 MP4."""
    from PIL import Image

    frame = np.asarray(Image.open(photo).convert("RGB"))
    path = folder / "driving.mp4"
    with VideoWriter(path, SIDE, SIDE, EncodeOptions(fps=8, crf=12)) as writer:
        for index in range(DRIVING_FRAMES):
            writer.write(np.roll(frame, (2 * index, 3 * index), axis=(0, 1)))
    return path


def test_portrait_animation_liveportrait_and_videohelpersuite(tmp_path: Path, monkeypatch) -> None:
    env = comfy_env()
    if env is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny models are built with the pack's classes")
    root, why = packs_dir(PACKS)
    if root is None:
        pytest.skip(why)
    problem = mediapipe_problem(env[1], root / PACKS[0])
    if problem:
        pytest.skip(
            f"{env[1]} cannot build LivePortraitKJ's MediaPipe cropper ({problem}); install mediapipe==0.10.21 "
            "--no-deps with protobuf<5, onnxruntime, pykalman and matplotlib there (docs/testing.md)"
        )
    photo = portrait_photo(tmp_path)
    clip = driving_clip(photo, tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a download attempt fails at once instead of waiting on the network
    (tmp_path / "server").mkdir()
    server = start_pack_server("liveportrait", PACKS, root, tmp_path / "server", TIMEOUTS, models_base=True)
    try:
        from app.comfy import ComfyClient

        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            image = client.upload_image(photo).reference  # LoadImage lists the top folder only
            video = client.upload_image(clip, subfolder="inkframe")
            client.object_info(refresh=True)  # the upload joins LoadImage's list
        # VHS_LoadVideoPath takes a path: the upload's place in the server's input folder
        video_path = server.data_dir / "input" / video.subfolder / video.name
        settings = [f"portrait={image}", f"driving_video={video_path}", f"max_frames={FRAMES}"]
        started = time.monotonic()
        report = run_workflow(
            resolve_workflow("portrait_animation"), settings, tmp_path / "out", server.url, timeouts=TIMEOUTS
        )
        elapsed = time.monotonic() - started
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
    finally:
        server.stop()
    assert "Downloading model" not in log and "snapshot_download" not in log
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    info = probe(clips[0])
    assert clips[0].suffix == ".webm" and info.codec == "vp9"
    # LivePortraitComposite pastes the animated crop back into the source: the clip has the portrait's size
    assert (info.width, info.height, info.frame_count, info.fps) == (SIDE, SIDE, FRAMES, OUTPUT_FPS)
    frames = list(iter_frames(clips[0]))
    assert len(frames) == FRAMES and frames[0].shape == (SIDE, SIDE, 3)
    print(f"\n[portrait_animation] {elapsed:.1f} s, app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")
