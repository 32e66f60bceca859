"""The built-in Wan 2.2 workflows (workflows/wan22_*.json) run end to end on a live stock ComfyUI.

Each library file goes through the app's own run path (app.services.run_service.run_workflow: UI format converted
app-side, parameters set by name, preflight, /prompt, outputs saved with provenance) on a server that has the tiny
random-weight Wan models of tests/integration/family_fixtures.py: TI2V-5B for text/image to video, the 14B layouts
(i2v in 36 channels, Fun Control in 52 + ref_conv, Wan 2.1 VAE) for image to video, first/last frame and Fun
Control. The pose video that drives Fun Control is our own pose extraction's output (motion pose-preview on a clip
of a person). Every clip must be an H.264 MP4 of the asked size, frame count and rate. Also checks that the
backend's model files make the app choose the Wan workflow for each video capability (app/workflows/video_choice),
and that a panel becomes a clip through app/services/panel_clip_service.py with the backend's own Wan files.
One big server at a time, each stopped after its test. Needs COMFYUI_PATH + COMFYUI_PYTHON.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from app.comfy import ComfyClient
from app.media import EncodeOptions, encode_frames, probe, read_tags
from app.services.panel_clip_service import panel_to_clip
from app.services.run_service import run_workflow
from app.workflows import resolve_workflow
from app.workflows.families import detect_families
from app.workflows.video_choice import choose_video_workflow, first_last_frame_workflow

from .family_fixtures import FAMILIES
from .test_families_live import FAMILY_TIMEOUTS, family_backend, gradient

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
SIZE, FRAMES, FPS = 64, 5, 8
COMMON = [f"width={SIZE}", f"height={SIZE}", f"frames={FRAMES}", f"fps={FPS}", "steps=2", "seed=7"]


def run_clip(client: ComfyClient, name: str, settings: list[str], out: Path, timings: dict) -> Path:
    """Runs the library workflow `name` through the app and checks its clip; returns the saved MP4."""
    started = time.monotonic()
    report = run_workflow(
        resolve_workflow(name), COMMON + settings, out / name, client.base_url, timeouts=FAMILY_TIMEOUTS
    )
    timings[name] = (round(time.monotonic() - started, 1), report.app_overhead_ms)
    clips = [o.path for o in report.outputs if o.kind == "video"]
    assert len(clips) == 1 and report.notes == [], ([o.path.name for o in report.outputs], report.notes)
    video = probe(clips[0])
    assert (video.width, video.height, video.frame_count, video.fps, video.codec) == (SIZE, SIZE, FRAMES, FPS, "h264")
    assert read_tags(clips[0])["operation"] == f"workflow {name}"
    return clips[0]


def decodes_to_moving_pixels(clip: Path) -> None:
    import cv2

    capture = cv2.VideoCapture(str(clip))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    assert len(frames) == FRAMES and all(f.shape == (SIZE, SIZE, 3) for f in frames)
    assert np.std(np.stack(frames)) > 0


def assert_choices(client: ComfyClient, expected: dict[str, str]) -> None:
    backend = detect_families(client.object_info(refresh=True))
    chosen = {
        c: choose_video_workflow(c, backend).workflow for c in ("text_to_video", "image_to_video", "pose_animation")
    }
    chosen["first_last_frame"] = first_last_frame_workflow(backend) or ""
    assert chosen == expected


def test_wan22_ti2v_5b_text_and_image_to_video(tmp_path: Path) -> None:
    spec, timings = FAMILIES["wan22_5b"], {}
    models = [f"model={spec.file('unet')}", f"text_encoder={spec.file('text_encoder')}", f"vae={spec.file('vae')}"]
    with family_backend("wan22_5b", tmp_path) as client:
        panel = client.upload_image(gradient(tmp_path / "panel.png", axis=0))
        assert_choices(
            client,
            {
                "text_to_video": "wan22_text_to_video",
                "image_to_video": "wan22_image_to_video",
                "pose_animation": "pose_animation",
                "first_last_frame": "",
            },
        )  # refreshes /object_info
        decodes_to_moving_pixels(run_clip(client, "wan22_text_to_video", models, tmp_path, timings))
        run_clip(client, "wan22_image_to_video", [*models, f"image={panel.reference}"], tmp_path, timings)
    print(f"\n[wan22_5b] seconds, app overhead ms: {timings}")


@pytest.fixture()
def pose_video(tmp_path: Path) -> Path:
    """Our pose extraction's output (motion --method pose-preview) for a short clip of a person."""
    skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")
    from app.services.motion_service import MotionRequest, run_pose_preview

    photo = skimage_data.astronaut()[::4, ::4]  # 128 x 128
    clip = encode_frames(
        (np.roll(photo, 2 * i, axis=1) for i in range(FRAMES)),
        tmp_path / "person.mp4",
        EncodeOptions(fps=Fraction(FPS)),
    )
    report = run_pose_preview(MotionRequest(reference=clip, out=tmp_path / "inkframe_pose.mp4"))
    assert report.frames == FRAMES and not report.notes
    return report.preview


def test_wan22_14b_image_first_last_frame_and_pose_control(tmp_path: Path, pose_video: Path) -> None:
    spec, timings = FAMILIES["wan22_14b"], {}
    shared = [f"text_encoder={spec.file('text_encoder')}", f"vae={spec.file('vae')}", "high_noise_steps=1"]
    i2v = [*shared, f"high_noise_model={spec.file('unet_i2v_high')}", f"low_noise_model={spec.file('unet_i2v_low')}"]
    fun = [*shared, f"high_noise_model={spec.file('unet_fun_high')}", f"low_noise_model={spec.file('unet_fun_low')}"]
    with family_backend("wan22_14b", tmp_path) as client:
        first = client.upload_image(gradient(tmp_path / "first.png", axis=0))
        last = client.upload_image(gradient(tmp_path / "last.png", axis=1))
        poses = client.upload_image(pose_video)  # LoadVideo lists the input folder's top level
        assert_choices(
            client,
            {
                "text_to_video": "text_to_video",
                "image_to_video": "wan22_i2v_14b",
                "pose_animation": "wan22_pose_control",
                "first_last_frame": "wan22_first_last_frame",
            },
        )
        decodes_to_moving_pixels(
            run_clip(client, "wan22_i2v_14b", [*i2v, f"image={first.reference}"], tmp_path, timings)
        )
        run_clip(
            client,
            "wan22_first_last_frame",
            [*i2v, f"first_frame={first.reference}", f"last_frame={last.reference}"],
            tmp_path,
            timings,
        )
        run_clip(
            client,
            "wan22_pose_control",
            [*fun, f"character_reference={first.reference}", f"pose_video={poses.reference}"],
            tmp_path,
            timings,
        )
        # a panel becomes a clip: the service picks wan22_i2v_14b and the backend's own 14B files by itself
        clip = panel_to_clip(
            tmp_path / "first.png",
            tmp_path / "panel_clip",
            client.base_url,
            prompt="she waves",
            frames=FRAMES,
            seed=5,
            extra=[f"width={SIZE}", f"height={SIZE}", f"fps={FPS}", "steps=2", "high_noise_steps=1"],
            timeouts=FAMILY_TIMEOUTS,
        )
        assert (clip.choice.workflow, clip.choice.family) == ("wan22_i2v_14b", "wan22_i2v_14b")
        assert probe(clip.path).frame_count == FRAMES
    print(f"\n[wan22_14b] seconds, app overhead ms: {timings}")
