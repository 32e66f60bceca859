"""Each modern family on a live stock ComfyUI, with tiny random-weight models (tests/integration/family_fixtures.py).

For every family: ComfyUI itself says which model it detected (the test-only node InkframeTestModelInfo reports
the model config class and model type through /prompt), and a core-node graph shaped like the family's official
template (sdxl_simple_example, flux_dev / flux_kontext_dev_basic, image_qwen_image / image_qwen_image_edit_2509,
video_wan2_2_5B_ti2v) runs end
to end and yields a decodable output of the right kind and size. One family's server at a time (memory), each
stopped after its test. Needs COMFYUI_PATH + COMFYUI_PYTHON (the files are built with ComfyUI's classes).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comfy import ComfyClient
from app.config import Timeouts
from app.media import probe, read_tags
from app.services.run_service import run_workflow

from . import family_graphs as graphs
from .family_fixtures import FAMILIES, comfy_env, start_family_server

pytestmark = pytest.mark.integration
FAMILY_TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=1200, ready=300)
SIZE = graphs.SIZE


@contextmanager
def family_backend(family: str, workdir: Path) -> Iterator[ComfyClient]:
    if comfy_env() is None:
        pytest.skip(
            "no ComfyUI to test the model families on: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny models are "
            "built with ComfyUI's own classes and a server is started with them)"
        )
    server = start_family_server(
        family, workdir, FAMILY_TIMEOUTS
    )  # builds the files on first use (cached outside the repo)
    try:
        with ComfyClient(server.url, timeouts=FAMILY_TIMEOUTS) as client:
            yield client
    finally:
        server.stop()


def run(client: ComfyClient, prompt: dict, timings: dict, label: str):
    started = time.monotonic()
    result = client.run(prompt)
    timings[label] = round(time.monotonic() - started, 1)
    return result


def detected(result) -> dict:
    texts = [json.loads(text) for output in result.outputs.values() for text in output.get("text", [])]
    assert len(texts) == 1, result.outputs
    return texts[0]


def single_image(result, size: tuple[int, int] = (SIZE, SIZE)) -> np.ndarray:
    images = [f for f in result.files if f.kind == "image"]
    assert len(images) == 1, [f.filename for f in result.files]
    picture = Image.open(io.BytesIO(images[0].data))
    assert picture.format == "PNG" and picture.size == size
    pixels = np.asarray(picture.convert("RGB"))
    assert pixels.std() > 0  # a real decode of sampled latents, not a blank
    return pixels


def report(family: str, timings: dict, info: dict) -> None:
    print(f"\n[{family}] detected {info} timings(s) {timings}")


def gradient(path: Path, axis: int) -> Path:
    """A 64 x 64 grey ramp along `axis` (1: left to right, 0: top to bottom) as a PNG: the reference / start image."""
    ramp = np.linspace(0, 255, SIZE, dtype=np.uint8)
    shape = (1, SIZE, 1) if axis else (SIZE, 1, 1)
    Image.fromarray(np.broadcast_to(ramp.reshape(shape), (SIZE, SIZE, 3)).copy()).save(path)
    return path


def test_sdxl_eps_and_vpred_checkpoints(tmp_path: Path) -> None:
    spec = FAMILIES["sdxl"]
    timings: dict[str, float] = {}
    with family_backend("sdxl", tmp_path) as client:
        names = client.object_info()["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
        assert {spec.file("checkpoint"), spec.file("checkpoint_vpred")} <= set(names)
        for role, model_type in (("checkpoint", "EPS"), ("checkpoint_vpred", "V_PREDICTION")):
            result = run(client, graphs.sdxl(role, info=True), timings, role)
            info = detected(result)
            assert (info["model_config"], info["model_type"], info["latent_format"]) == ("SDXL", model_type, "SDXL")
            single_image(result)
            report(role, timings, info)


def test_flux_dev_and_kontext_reference_edit(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    with family_backend("flux", tmp_path) as client:
        result = run(client, graphs.flux(info=True), timings, "t2i")
        info = detected(result)
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("Flux", "FLUX", "Flux")
        single_image(result)
        uploaded = client.upload_image(gradient(tmp_path / "character.png", axis=1), subfolder="inkframe")
        single_image(run(client, graphs.flux_kontext(uploaded.reference), timings, "kontext_edit"))
        report("flux", timings, info)


def test_qwen_image_and_edit_2509(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    with family_backend("qwen", tmp_path) as client:
        result = run(client, graphs.qwen(info=True), timings, "t2i")
        info = detected(result)
        # ComfyUI samples Qwen-Image as a FLUX-type flow model with the Wan 2.1 latent
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("QwenImage", "FLUX", "Wan21")
        single_image(result)
        uploaded = client.upload_image(gradient(tmp_path / "sheet.png", axis=1), subfolder="inkframe")
        single_image(run(client, graphs.qwen_edit_2509(uploaded.reference), timings, "edit_2509"))
        report("qwen", timings, info)


def test_wan22_ti2v_5b_image_to_video(tmp_path: Path) -> None:
    timings: dict[str, float] = {}
    with family_backend("wan22_5b", tmp_path) as client:
        uploaded = client.upload_image(
            gradient(tmp_path / "panel.png", axis=0)
        )  # top level: LoadImage lists only those
        result = run(client, graphs.wan22_5b(uploaded.reference, info=True), timings, "ti2v")
        info = detected(result)
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("WAN22_T2V", "FLOW", "Wan22")
        videos = [f for f in result.files if f.filename.endswith(".mp4")]
        assert len(videos) == 1, [f.filename for f in result.files]
        clip = tmp_path / "wan.mp4"
        clip.write_bytes(videos[0].data)
        video = probe(clip)
        assert (video.width, video.height, video.frame_count, float(video.fps)) == (
            SIZE,
            SIZE,
            graphs.VIDEO_LENGTH,
            graphs.VIDEO_FPS,
        )
        # the same graph through the app's run path: the saved clip carries the provenance tags
        workflow = tmp_path / "wan22_5b_ti2v.json"
        workflow.write_text(json.dumps(graphs.wan22_5b(uploaded.reference)), encoding="utf-8")
        started = time.monotonic()
        saved = run_workflow(
            workflow,
            [f"{graphs.SEED_INPUT['wan22_5b']}=2"],
            tmp_path / "out",
            client.base_url,
            timeouts=FAMILY_TIMEOUTS,
        )
        timings["run_workflow"] = round(time.monotonic() - started, 1)
        clips = [o.path for o in saved.outputs if o.path.suffix == ".mp4"]
        assert len(clips) == 1 and saved.notes == []
        tags = read_tags(clips[0])
        assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "workflow wan22_5b_ti2v"
        assert probe(clips[0]).frame_count == graphs.VIDEO_LENGTH
        report("wan22_5b", timings, info)
