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

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
SIDE, DRIVING_FRAMES, DRIVING_FPS = 256, 6, 8
FRAMES, OUTPUT_FPS = 3, 24  # max_frames caps the driving frames at 3; VHS_VideoCombine's frame_rate

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
    """'' when ComfyUI's Python can build the pack's MediaPipe cropper, else the reason (its first error line)."""
    done = subprocess.run(
        [str(python), "-c", MEDIAPIPE_CHECK, str(pack)], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode == 0:
        return ""
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)] or lines[-1:] or ["no output"]
    return errors[0][:300]


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
    with VideoWriter(path, SIDE, SIDE, EncodeOptions(fps=DRIVING_FPS, crf=12)) as writer:
        for index in range(DRIVING_FRAMES):
            writer.write(np.roll(frame, (2 * index, 3 * index), axis=(0, 1)))
    return path


@dataclass
class PortraitServer:
    server: object  # app.comfy.ManagedComfyUI
    photo: Path
    clip: Path


@pytest.fixture(scope="module")
def portrait(tmp_path_factory) -> Iterator[PortraitServer]:
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
    folder = tmp_path_factory.mktemp("portrait")
    photo = portrait_photo(folder)
    clip = driving_clip(photo, folder)
    (folder / "server").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")  # a download attempt fails at once instead of waiting on the network
        server = start_pack_server("liveportrait", PACKS, root, folder / "server", TIMEOUTS, models_base=True)
    try:
        yield PortraitServer(server, photo, clip)
    finally:
        server.stop()
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "Downloading model" not in log, "LivePortraitKJ tried to download its models"


def assert_animated(video: Path, photo: Path, frames: int, fps: float) -> None:
    """A decodable clip of the portrait's size whose face region is the pack's output, not the untouched photo."""
    from PIL import Image

    info = probe(video)
    assert (info.width, info.height, info.frame_count, float(info.fps)) == (SIDE, SIDE, frames, fps)
    decoded = list(iter_frames(video))
    assert len(decoded) == frames and decoded[0].shape == (SIDE, SIDE, 3)
    source = np.asarray(Image.open(photo).convert("RGB"), dtype=np.float32)
    face = slice(SIDE // 8, SIDE // 2), slice(SIDE // 4, 3 * SIDE // 4)  # the astronaut's face, upper middle
    changed = [float(np.abs(frame.astype(np.float32) - source)[face].mean()) for frame in decoded]
    # random-weight networks paint noise where the face was; a run without a detected face returns the photo (~1-2)
    assert min(changed) > 8, changed


def test_portrait_animation_liveportrait_and_videohelpersuite(portrait: PortraitServer, tmp_path: Path) -> None:
    from app.comfy import ComfyClient

    server = portrait.server
    with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
        image = client.upload_image(portrait.photo).reference  # LoadImage lists the top folder only
        video = client.upload_image(portrait.clip, subfolder="inkframe")
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
    assert "No face detected" not in log  # the MediaPipe cropper found the astronaut's face
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    assert clips[0].suffix == ".webm" and probe(clips[0]).codec == "vp9"
    # LivePortraitComposite pastes the animated crop back into the source: the clip has the portrait's size
    assert_animated(clips[0], portrait.photo, FRAMES, OUTPUT_FPS)
    print(f"\n[portrait_animation] {elapsed:.1f} s, app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")


def test_motion_portrait_method_on_the_same_server(portrait: PortraitServer, tmp_path: Path) -> None:
    """`motion --method portrait` (app.services.motion_service): the service uploads the target and its cut of the
    reference itself; stride 2 animates frames 0, 2, 4 of the 6 at half the reference's rate."""
    from app.services.motion_service import MotionRequest, run_on_comfyui

    out = tmp_path / "motion.mp4"
    request = MotionRequest(reference=portrait.clip, out=out, method="portrait", target=portrait.photo, stride=2)
    started = time.monotonic()
    report = run_on_comfyui(request, portrait.server.url, timeouts=TIMEOUTS)
    elapsed = time.monotonic() - started
    assert report.out == out and report.frames == 3 and report.chunks == 1
    assert_animated(out, portrait.photo, 3, DRIVING_FPS / 2)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".parts", ".poses.json"))]  # nothing left
    print(f"\n[motion --method portrait] {elapsed:.1f} s, notes {report.notes}")
