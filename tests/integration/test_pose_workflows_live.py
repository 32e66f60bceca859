"""The built-in pose_extraction workflow (VHS_LoadVideoPath -> DWPreprocessor -> VHS_VideoCombine + SaveImage) runs
end to end on a live stock ComfyUI with comfyui_controlnet_aux and ComfyUI-VideoHelperSuite checked out outside the
repository at the pinned commits ($INKFRAME_TEST_PACKS_DIR, see tests/integration/pack_fixtures.py) and tiny
random-weight DWPose files (a YOLOX ONNX detector, an RTMPose TorchScript estimator: pack_builders/build_dwpose.py).

The clip goes through the app's run path (run_workflow): uploaded like the motion service does, UI format converted
app-side, preflight, /prompt, outputs saved. A fresh detector finds nobody (YOLOX's prior bias), so the built-in run
draws empty skeletons; a second run with no detector makes the estimator read every whole frame, so both files run.
Either way the skeleton video and frames must have the size DWPreprocessor gives (the clip scaled so its short side
is the node's resolution) and one frame per input frame.
"""

from __future__ import annotations

import copy
import json
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.config import Timeouts
from app.media import EncodeOptions, encode_frames, probe
from app.services.motion_service import server_input_path
from app.services.run_service import run_workflow
from app.workflows import load_workflow, preflight, resolve_workflow, to_api

from .family_fixtures import comfy_env
from .pack_fixtures import packs_dir, start_pack_server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=900, ready=300)
PACKS = ("comfyui_controlnet_aux", "ComfyUI-VideoHelperSuite")
WIDTH, HEIGHT, FRAMES, FPS = 96, 64, 8, 8  # the workflow loads and writes at 8 fps
RESOLUTION = 512  # DWPreprocessor's resolution in the file: the short side of what it draws


def node_id(node_type: str) -> str:
    raw = json.loads(resolve_workflow("pose_extraction").read_text(encoding="utf-8"))
    [found] = [str(n["id"]) for n in raw["nodes"] if n["type"] == node_type]
    return found


def person_clip(path: Path) -> Path:
    """A short clip of a person (scikit-image's astronaut photo, cropped to 3:2, panning a few pixels a frame)."""
    data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
    photo = Image.fromarray(data.astronaut()[:341]).resize((WIDTH + FRAMES * 2, HEIGHT))
    frames = (np.asarray(photo)[:, 2 * i : 2 * i + WIDTH] for i in range(FRAMES))
    return encode_frames(frames, path, EncodeOptions(fps=Fraction(FPS), crf=12))


def test_pose_extraction_dwpose_and_videohelpersuite(tmp_path: Path) -> None:
    if comfy_env() is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny DWPose files are built with ComfyUI's torch")
    root, why = packs_dir(PACKS)
    if root is None:
        pytest.skip(why)
    server = start_pack_server("dwpose", PACKS, root, tmp_path, TIMEOUTS)
    timings: dict[str, float] = {}
    reports = {}
    try:
        from app.comfy import ComfyClient

        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            uploaded = client.upload_image(person_clip(tmp_path / "person.mp4"), subfolder="inkframe")
            video = server_input_path(client.system_stats(), f"{uploaded.subfolder}/{uploaded.name}")
            object_info = client.object_info()
        settings = [f"video={video}", f"max_frames={FRAMES}"]
        runs = {"yolox": settings, "whole_frame": [*settings, f"{node_id('DWPreprocessor')}.bbox_detector=None"]}
        for name, assignments in runs.items():
            started = time.monotonic()
            reports[name] = run_workflow(
                resolve_workflow("pose_extraction"), assignments, tmp_path / name, server.url, timeouts=TIMEOUTS
            )
            timings[name] = time.monotonic() - started
    finally:
        server.stop()
    size = (RESOLUTION * WIDTH // HEIGHT, RESOLUTION)
    for name, report in reports.items():
        clips = [o.path for o in report.outputs if o.kind == "video"]
        images = sorted(o.path for o in report.outputs if o.kind == "image")
        assert len(clips) == 1, [o.path.name for o in report.outputs]
        info = probe(clips[0])
        assert clips[0].suffix == ".webm" and info.codec == "vp9"
        assert ((info.width, info.height), info.frame_count, info.fps) == (size, FRAMES, FPS), (name, info)
        assert len(images) == FRAMES and all(Image.open(p).size == size for p in images), (name, images)
        if name == "whole_frame":  # the estimator's (random) keypoints are drawn: the TorchScript file really ran
            assert all(np.asarray(Image.open(p)).any() for p in images)
        print(f"\n[pose_extraction {name}] {timings[name]:.1f} s, app overhead {report.app_overhead_ms:.0f} ms")
    # the app's preflight names the pack when a ComfyUI lacks it
    workflow = load_workflow(resolve_workflow("pose_extraction"))
    assert preflight(to_api(workflow, object_info), object_info).ok
    without = copy.deepcopy(object_info)
    del without["DWPreprocessor"]
    sentences = " ".join(preflight(to_api(workflow, without), without).sentences())
    assert "DWPreprocessor from the comfyui_controlnet_aux node pack" in sentences
    assert "`comfy node install comfyui_controlnet_aux`" in sentences
