"""The older video built-ins run end to end on a live stock ComfyUI with their node packs, checked out outside the
repository at the pinned commits ($INKFRAME_TEST_PACKS_DIR, see tests/integration/pack_fixtures.py), and tiny
random-weight models of the formats the packs load. Each library file goes through the app's run path
(run_workflow) and must yield a decodable video of the asked kind, size and frame count.

Covered: text_to_video (AnimateDiff-Evolved + VideoHelperSuite), image_to_video (Stable Video Diffusion on core
nodes + VideoHelperSuite's output). The others, and why not yet, are in docs/testing.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.config import Timeouts
from app.media import probe
from app.services.run_service import run_workflow
from app.workflows import resolve_workflow

from .family_fixtures import comfy_env
from .pack_fixtures import MODELS, packs_dir, start_pack_server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=1500, ready=300)
SIZE, FRAMES, FPS = 64, 8, 8


def node_id(workflow: str, node_type: str) -> str:
    """The id of the library workflow's only node of `node_type` (a NODE.INPUT assignment target)."""
    raw = json.loads(resolve_workflow(workflow).read_text(encoding="utf-8"))
    [found] = [str(n["id"]) for n in raw["nodes"] if n["type"] == node_type]
    return found


def pack_server(what: str, packs: tuple[str, ...], workdir: Path):
    if comfy_env() is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny models are built with ComfyUI's classes")
    root, why = packs_dir(packs)
    if root is None:
        pytest.skip(why)
    return start_pack_server(what, packs, root, workdir, TIMEOUTS)


def test_text_to_video_animatediff_and_videohelpersuite(tmp_path: Path) -> None:
    packs = ("ComfyUI-AnimateDiff-Evolved", "ComfyUI-VideoHelperSuite")
    spec = MODELS["animatediff"]
    server = pack_server("animatediff", packs, tmp_path)
    try:
        latent = node_id("text_to_video", "EmptyLatentImage")
        settings = [
            f"checkpoint={spec.file('checkpoint')}",
            f"frames={FRAMES}",
            f"fps={FPS}",
            "steps=2",
            "seed=3",
            f"{node_id('text_to_video', 'ADE_AnimateDiffLoaderGen1')}.model_name={spec.file('motion_module')}",
            f"{latent}.width={SIZE}",
            f"{latent}.height={SIZE}",
        ]  # below the form's 256 minimum: CPU
        started = time.monotonic()
        report = run_workflow(
            resolve_workflow("text_to_video"), settings, tmp_path / "out", server.url, timeouts=TIMEOUTS
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    video = probe(clips[0])
    assert clips[0].suffix == ".webm" and (video.width, video.height, video.frame_count, video.fps) == (
        SIZE,
        SIZE,
        FRAMES,
        FPS,
    )
    assert video.codec == "vp9"
    print(f"\n[text_to_video] {elapsed:.1f} s, app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")


def test_image_to_video_stable_video_diffusion_and_videohelpersuite(tmp_path: Path) -> None:
    """SVD runs on core nodes (ImageOnlyCheckpointLoader, SVD_img2vid_Conditioning, VideoLinearCFGGuidance); only
    the output node is VideoHelperSuite's."""
    packs = ("ComfyUI-VideoHelperSuite",)
    server = pack_server("svd", packs, tmp_path)
    try:
        from PIL import Image

        from app.comfy import ComfyClient

        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            Image.new("RGB", (SIZE, SIZE), (200, 120, 40)).save(tmp_path / "panel.png")
            image = client.upload_image(tmp_path / "panel.png").reference
            client.object_info(refresh=True)  # the upload joins LoadImage's list
        conditioning = node_id("image_to_video", "SVD_img2vid_Conditioning")
        loader = node_id("image_to_video", "ImageOnlyCheckpointLoader")
        settings = [
            f"{loader}.ckpt_name={MODELS['svd'].file('checkpoint')}",
            f"image={image}",
            f"frames={FRAMES}",
            f"fps={FPS}",
            "seed=3",
            f"{node_id('image_to_video', 'KSampler')}.steps=2",
            f"{conditioning}.width={SIZE}",
            f"{conditioning}.height={SIZE}",
        ]  # 1024 x 576 in the file
        started = time.monotonic()
        report = run_workflow(
            resolve_workflow("image_to_video"), settings, tmp_path / "out", server.url, timeouts=TIMEOUTS
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    video = probe(clips[0])
    assert clips[0].suffix == ".webm"
    assert (video.width, video.height, video.frame_count, video.fps) == (SIZE, SIZE, FRAMES, FPS)
    print(f"\n[image_to_video] {elapsed:.1f} s, app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")
