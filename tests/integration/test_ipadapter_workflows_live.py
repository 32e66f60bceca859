"""IPAdapter (ComfyUI_IPAdapter_plus, checked out outside the repository at its pin, see pack_fixtures.py) executes
for real on a live stock ComfyUI with tiny random-weight files of the formats its 'PLUS (high strength)' preset
loads: a ViT-H CLIP vision encoder and an ip-adapter-plus_sd15-layout file (pack_builders/build_ipadapter.py), on
the SD1.5 full-block-layout checkpoint of the AnimateDiff fixture (the ip-adapter's to_k_ip / to_v_ip widths are
those of SD1.5's cross-attentions; the tiny SD1.5 fixture's narrower UNet would not take them).

The `panel` built-in goes through the book's own path (ComfyBackend.generate): a request with a character
reference switches on the workflow's bypassed IPAdapter pair, uploads the reference, binds, preflights and runs.
`pose_animation` (AnimateDiff + OpenPose ControlNet + IPAdapter + DWPose + VideoHelperSuite) goes through the app's
run path (run_workflow) with the DWPose files (pack_builders/build_dwpose.py) and an OpenPose-format ControlNet of
the checkpoint's widths (build_ipadapter.py).
"""

from __future__ import annotations

import json
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.book.backend import BackendUnavailable, GenerationRequest
from app.book.comfy_backend import ComfyBackend
from app.book.workflow_planner import IPADAPTER_NODES
from app.book.workflow_prompt import build_workflow_prompt
from app.comfy import ComfyClient
from app.config import Timeouts
from app.media import EncodeOptions, encode_frames, probe
from app.services.motion_service import server_input_path
from app.services.run_service import run_workflow
from app.workflows import resolve_workflow

from .family_fixtures import comfy_env
from .pack_fixtures import MODELS, packs_dir, start_pack_server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=900, ready=300)
PACK = "ComfyUI_IPAdapter_plus"
SIZE = 64


def server_for(packs: tuple[str, ...], workdir: Path):
    if comfy_env() is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny models are built with ComfyUI's classes")
    root, why = packs_dir((PACK,))  # the builder imports the pack's Resampler even when the server runs without it
    if root is None:
        pytest.skip(why)
    return start_pack_server("ipadapter", packs, root, workdir, TIMEOUTS, also=("animatediff",))


def panel_request(reference: Path | None) -> GenerationRequest:
    return GenerationRequest(
        workflow="panel",
        positive="comic book panel, a lighthouse keeper in a red raincoat",
        negative="blurry",
        seed=3,
        width=SIZE,
        height=SIZE,  # below the form's 256 minimum: CPU
        steps=2,
        checkpoint=MODELS["animatediff"].file("checkpoint"),
        references=(reference,) if reference else (),
    )


def reference_picture(path: Path) -> Path:
    """A character reference: a red figure on a pale ground (not square: the pack centre-crops it to 224)."""
    picture = Image.new("RGB", (96, 128), (235, 230, 220))
    picture.paste((200, 30, 30), (30, 30, 66, 118))
    picture.paste((60, 40, 30), (36, 8, 60, 32))
    picture.save(path)
    return path


def test_panel_with_a_character_reference_runs_ipadapter(tmp_path: Path) -> None:
    server = server_for((PACK,), tmp_path)
    try:
        with ComfyBackend(server.url, timeouts=TIMEOUTS, prompt_timeout=TIMEOUTS.prompt) as backend:
            assert backend.capabilities()["ipadapter"] == ""
            started = time.monotonic()
            with_reference = backend.generate(panel_request(reference_picture(tmp_path / "maya.png")))
            elapsed = time.monotonic() - started
            without = backend.generate(panel_request(None))
    finally:
        server.stop()
    assert not any("IPAdapter" in note for note in with_reference.notes), with_reference.notes
    ran = {node["class_type"]: node["inputs"] for node in with_reference.api_prompt.values()}
    assert set(IPADAPTER_NODES) <= set(ran) and ran["IPAdapterUnifiedLoader"]["preset"] == "PLUS (high strength)"
    assert not set(IPADAPTER_NODES) & {node["class_type"] for node in without.api_prompt.values()}
    saved = sorted((tmp_path / "output").rglob("*.png"))  # ComfyUI's SaveImage files, what the backend downloaded
    assert len(saved) == 2, saved
    for path in saved:
        with Image.open(path) as png:
            assert (png.format, png.size) == ("PNG", (SIZE, SIZE))
    assert with_reference.image.size == (SIZE, SIZE)
    # the reference conditioned the sampling: same seed, prompt and model, another picture
    assert not np.array_equal(np.asarray(with_reference.image), np.asarray(without.image))
    print(f"\n[panel + IPAdapter] {elapsed:.1f} s, overhead {with_reference.overhead_ms:.0f} ms")


def test_panel_with_a_reference_without_the_pack_names_it(tmp_path: Path) -> None:
    """On a ComfyUI without the pack, the book says so in one sentence and the enabled graph fails preflight naming
    the pack (no execution)."""
    server = server_for((), tmp_path)
    try:
        with ComfyBackend(server.url, timeouts=TIMEOUTS) as backend:
            reason = backend.capabilities()["ipadapter"]
            uploaded = backend.client.upload_image(reference_picture(tmp_path / "maya.png")).reference
            with pytest.raises(BackendUnavailable) as refused:
                build_workflow_prompt(
                    backend.workflow("panel"),
                    "panel",
                    {"checkpoint": MODELS["animatediff"].file("checkpoint")},
                    {"reference_image": uploaded},
                    IPADAPTER_NODES,
                    (SIZE, SIZE),
                    backend.client.object_info(refresh=True),  # the upload joins LoadImage's list
                    where=backend.url,
                )
    finally:
        server.stop()
    assert "comfyui_ipadapter_plus" in reason and reason.count(". ") == 0, reason
    message = str(refused.value)
    assert PACK in message and message.rstrip(".").count(". ") == 0, message
    print(f"\n[panel without {PACK}] {reason} | {message}")


POSE_PACKS = ("ComfyUI-AnimateDiff-Evolved", "ComfyUI-VideoHelperSuite", "comfyui_controlnet_aux", PACK)
FRAMES, FPS = 8, 8  # the workflow's frames minimum; it loads and writes at 8 fps


def dance_clip(path: Path) -> Path:
    """A driving clip: a figure (head, body, arms) stepping across a pale ground."""
    frames = []
    for i in range(FRAMES):
        frame = np.full((128, 96, 3), 230, dtype=np.uint8)
        x = 30 + 4 * i
        frame[20:36, x + 4 : x + 20] = (60, 40, 30)  # head
        frame[36:90, x : x + 24] = (200, 30, 30)  # body
        frame[40 + 2 * i : 48 + 2 * i, x - 14 : x] = (200, 30, 30)  # an arm going down
        frame[90:124, x + 2 : x + 10] = frame[90:124, x + 14 : x + 22] = (40, 40, 90)  # legs
        frames.append(frame)
    return encode_frames(iter(frames), path, EncodeOptions(fps=Fraction(FPS), crf=12))


def test_pose_animation_animatediff_controlnet_ipadapter_dwpose(tmp_path: Path) -> None:
    """The pose_animation built-in through the app's run path (run_workflow): VideoHelperSuite loads the driving
    clip, DWPose draws its poses, the OpenPose ControlNet follows them, IPAdapter conditions on the character,
    AnimateDiff animates, VideoHelperSuite writes the clip."""
    if comfy_env() is None:
        pytest.skip("set COMFYUI_PATH and COMFYUI_PYTHON: the tiny models are built with ComfyUI's classes")
    root, why = packs_dir(POSE_PACKS)
    if root is None:
        pytest.skip(why)
    server = start_pack_server("ipadapter", POSE_PACKS, root, tmp_path, TIMEOUTS, also=("animatediff", "dwpose"))
    spec, motion = MODELS["ipadapter"], MODELS["animatediff"]
    workflow = resolve_workflow("pose_animation")
    loader, latent = node_id(workflow, "VHS_LoadVideoPath"), node_id(workflow, "EmptyLatentImage")
    try:
        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            character = client.upload_image(reference_picture(tmp_path / "hero.png")).reference
            uploaded = client.upload_image(dance_clip(tmp_path / "dance.mp4"), subfolder="inkframe")
            video = server_input_path(client.system_stats(), f"{uploaded.subfolder}/{uploaded.name}")
            client.object_info(refresh=True)  # the upload joins LoadImage's list
        settings = [
            f"checkpoint={motion.file('checkpoint')}",
            f"{node_id(workflow, 'ADE_AnimateDiffLoaderGen1')}.model_name={motion.file('motion_module')}",
            f"{node_id(workflow, 'ControlNetLoader')}.control_net_name={spec.file('controlnet_openpose')}",
            f"{node_id(workflow, 'DWPreprocessor')}.resolution={SIZE}",
            f"character_reference={character}",
            f"pose_video={video}",
            f"frames={FRAMES}",
            "steps=2",
            "seed=3",
            *(f"{node}.{key}={SIZE}" for node, key in ((loader, "custom_width"), (loader, "custom_height"))),
            f"{latent}.width={SIZE}",
            f"{latent}.height={SIZE}",
        ]  # below the form's 256 minimum: CPU
        started = time.monotonic()
        report = run_workflow(workflow, settings, tmp_path / "out", server.url, timeouts=TIMEOUTS)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1, [o.path.name for o in report.outputs]
    info = probe(clips[0])
    assert clips[0].suffix == ".webm" and info.codec == "vp9"
    assert (info.width, info.height, info.frame_count, info.fps) == (SIZE, SIZE, FRAMES, FPS), info
    print(f"\n[pose_animation] {elapsed:.1f} s, app overhead {report.app_overhead_ms:.0f} ms, notes {report.notes}")


def node_id(workflow: Path, node_type: str) -> str:
    """The id of the library workflow's only node of `node_type` (a NODE.INPUT assignment target)."""
    raw = json.loads(workflow.read_text(encoding="utf-8"))
    [found] = [str(n["id"]) for n in raw["nodes"] if n["type"] == node_type]
    return found
