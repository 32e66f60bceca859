"""A panel becomes a clip (`python main.py clip`, app/services/panel_clip_service.make_clip) on a stand-in backend.

The stand-in lists the Wan 2.2 models of a backend (recorded /object_info + model names) and runs a prompt the way
core ComfyUI shapes its output: the Wan latent node's width x height and length frames, at CreateVideo's fps, saved
as an MP4. The app's real run path (run_service.run_workflow: conversion, parameters, preflight, saving, provenance)
runs against it."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comfy.results import OutputFile, PromptResult, UploadResult
from app.media import EncodeOptions, encode_frames, read_tags
from app.services import panel_clip_service, run_service
from app.services.panel_clip_service import ClipRequest, PanelClipError, check_clip_request, make_clip
from app.workflows.families import detect_families
from app.workflows.video_choice import choose_clip_workflow, clip_size

from .test_motion_wan import backend_info
from .test_video_families import FIVE_B, I2V, files

REPO = Path(__file__).resolve().parents[2]
I2V_MODELS = (*I2V["diffusion_models"], *I2V["text_encoders"], *I2V["vae"])


class ClipStandIn:
    def __init__(self, object_info: dict, input_dir: Path, fail: bool = False) -> None:
        self.info, self.input_dir, self.fail = object_info, input_dir, fail
        self.runs: list[dict] = []
        self.base_url = "http://stand-in"

    def __call__(self, url, timeouts=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass

    def object_info(self, refresh=False):
        return self.info

    def frontend_version(self):
        return None

    def system_stats(self):
        return {"system": {"comfyui_version": "0.3.64"}}

    def upload_image(self, path, subfolder=""):
        self.info["LoadImage"]["input"]["required"]["image"][0].append(Path(path).name)  # as ComfyUI lists it
        return UploadResult(Path(path).name, subfolder, "input", Path(path).name)

    def run(self, prompt, on_event=None, timeout=None, extra_data=None):
        def inputs(class_type: str) -> dict:
            node = next(n for n in prompt.values() if n["class_type"] == class_type)
            return {k: self.value(prompt, v) for k, v in node["inputs"].items()}

        latent, video = inputs("WanImageToVideo"), inputs("CreateVideo")
        self.runs.append(
            {**latent, "fps": video["fps"], "image": inputs("LoadImage")["image"], "text": inputs("CLIPTextEncode")}
        )
        if self.fail:
            raise PanelClipError("stand-in failure")
        frames = (
            np.full((latent["height"], latent["width"], 3), 7 * i % 256, np.uint8) for i in range(latent["length"])
        )
        clip = encode_frames(frames, self.input_dir / "clip.mp4", EncodeOptions(fps=Fraction(video["fps"])))
        file = OutputFile("29", "wan22_i2v_14b_00001_.mp4", "inkframe", "output", "video", clip.read_bytes())
        return PromptResult("p1", "success", {}, files=[file])

    @staticmethod
    def value(prompt, value):
        while isinstance(value, list) and "value" in prompt[value[0]]["inputs"]:
            value = prompt[value[0]]["inputs"]["value"]
        return value


@pytest.fixture
def panel(tmp_path) -> Path:
    path = tmp_path / "panel.png"
    Image.fromarray(np.tile(np.arange(300, dtype=np.uint8)[None, :, None], (200, 1, 3))).save(path)  # 300 x 200
    return path


@pytest.fixture
def backend(comfy_shared, tmp_path, monkeypatch):
    import app.comfy

    fake = ClipStandIn(backend_info(comfy_shared, I2V_MODELS), tmp_path)
    monkeypatch.setattr(app.comfy, "ComfyClient", fake)
    monkeypatch.setattr(run_service, "ComfyClient", fake)
    from app.comfy.pool import ClientPool

    monkeypatch.setattr(run_service, "CLIENTS", ClientPool(factory=fake))  # run_workflow borrows from the pool
    return fake


def test_a_panel_becomes_a_clip_of_the_asked_length_in_its_aspect_ratio(backend, panel, tmp_path):
    events = []
    request = ClipRequest(panel, tmp_path / "clips" / "hero.mp4", prompt="she waves", seconds=2.0, seed=3)
    report = make_clip(request, "http://stand-in", on_event=events.append)
    assert (report.choice.workflow, report.choice.family) == ("wan22_i2v_14b", "wan22_i2v_14b")
    run = backend.runs[0]
    assert (run["length"], run["fps"]) == (33, 16)  # 2 s at 16 fps = 32 frames, 4n+1 for Wan
    assert (run["width"], run["height"]) == (784, 528) == clip_size((300, 200), (640, 640))
    assert run["image"] == "panel.png" and "she waves" in json.dumps(run["text"])
    assert (report.frames, report.fps, report.width, report.height) == (33, Fraction(16), 784, 528)
    assert read_tags(report.out)["operation"] == "workflow wan22_i2v_14b"
    record = json.loads(report.sidecar.read_text())
    assert report.sidecar == tmp_path / "clips" / "hero.json" and record["outputs"][0]["file"] == "hero.mp4"
    assert "high_noise_model=wan2.2_i2v_high_noise_14B_fp8_scaled.safetensors" in record["parameters"]
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == ["hero.json", "hero.mp4"]  # no scratch left


def test_settings_given_by_the_user_win(backend, panel, tmp_path):
    request = ClipRequest(panel, tmp_path / "c.mp4", seconds=1.0, settings=("fps=8", "width=64", "height=48"))
    report = make_clip(request, "http://stand-in")
    assert (backend.runs[0]["length"], backend.runs[0]["fps"]) == (9, 8)  # 1 s at the user's 8 fps
    assert (report.width, report.height, report.fps) == (64, 48, Fraction(8))


def test_a_failed_run_leaves_nothing_behind(backend, panel, tmp_path):
    backend.fail = True
    with pytest.raises(PanelClipError, match="stand-in failure"):
        make_clip(ClipRequest(panel, tmp_path / "out" / "c.mp4"), "http://stand-in")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_clip_longer_than_the_workflow_makes_is_refused(comfy_shared, panel, tmp_path):
    info = backend_info(comfy_shared, I2V_MODELS)
    choice = choose_clip_workflow(detect_families(info))
    with pytest.raises(
        PanelClipError, match=r"^8 s at 60 fps is 481 frames; wan22_i2v_14b makes at most 241 \(4.0 s\)"
    ):
        panel_clip_service.clip_plan(
            choice, info, (300, 200), ClipRequest(panel, tmp_path / "c.mp4", seconds=8, settings=("fps=60",))
        )


def test_requests_are_refused_in_one_sentence(panel, tmp_path):
    (tmp_path / "taken.mp4").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not an image")
    cases = [
        (ClipRequest(panel, tmp_path / "c.gif"), f"--out {tmp_path / 'c.gif'} must end in .mp4"),
        (ClipRequest(panel, tmp_path / "taken.mp4"), "already exists; choose another --out or pass --overwrite."),
        (
            ClipRequest(panel, tmp_path / "c.mp4", seconds=11),
            "--seconds 11 is not allowed; use more than 0 and at most 10.",
        ),
        (ClipRequest(panel, tmp_path / "c.mp4", seconds=0), "--seconds 0 is not allowed"),
        (ClipRequest(tmp_path / "none.png", tmp_path / "c.mp4"), "does not exist; give the path of a panel image."),
        (ClipRequest(tmp_path / "notes.txt", tmp_path / "c.mp4"), "is not an image PIL can read"),
        (ClipRequest(panel, tmp_path / "c.mp4", prompt="x" * 2001), "the motion prompt has 2001 characters"),
    ]
    for request, message in cases:
        with pytest.raises(PanelClipError) as refused:
            check_clip_request(request)
        assert message in str(refused.value) and str(refused.value).count(". ") == 0


def test_the_clip_model_choice() -> None:
    both = detect_families(files(FIVE_B, I2V))
    assert choose_clip_workflow(both).workflow == "wan22_i2v_14b"
    assert choose_clip_workflow(both, "wan22_ti2v_5b").workflow == "wan22_image_to_video"
    assert choose_clip_workflow(both, "svd").workflow == "image_to_video"
    assert choose_clip_workflow(detect_families(files())).workflow == "image_to_video"
    with pytest.raises(
        Exception, match=r"^Wan 2.2 14B image to video is not on this backend: no model file names it; "
    ):
        choose_clip_workflow(detect_families(files(FIVE_B)), "wan22_i2v_14b")
    assert clip_size((1000, 1000), (640, 640)) == (640, 640) and clip_size((100, 400), (1280, 704)) == (480, 1904)


def test_cli_refuses_a_bad_request_before_opening_a_backend(panel, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "main.py",
            "clip",
            str(panel),
            "--out",
            str(tmp_path / "c.mp4"),
            "--seconds",
            "30",
            "--comfyui-url",
            "http://127.0.0.1:9",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "error: --seconds 30 is not allowed; use more than 0 and at most 10."
