"""Each modern family on a live stock ComfyUI, with tiny random-weight models (tests/integration/family_fixtures.py).

For every family: ComfyUI itself says which model it detected (the test-only node InkframeTestModelInfo reports
the model config class and model type through /prompt), and a core-node graph shaped like the family's official
template (sdxl_simple_example, flux_dev / flux_kontext_dev_basic, image_qwen_image, video_wan2_2_5B_ti2v) runs end
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

from app.comfy import ComfyClient, ManagedComfyUI
from app.config import LaunchConfig, Timeouts
from app.media import probe

from .family_fixtures import FAMILIES, TEST_NODES, comfy_env, extra_model_paths_file
from .launch import REPO_ROOT, torchvision_shim_env

pytestmark = pytest.mark.integration
FAMILY_TIMEOUTS = Timeouts(connect=5, read=120, upload=60, prompt=1200, ready=300)
SIZE = 64


@contextmanager
def family_backend(family: str, workdir: Path) -> Iterator[ComfyClient]:
    env = comfy_env()
    if env is None:
        pytest.skip("no ComfyUI to test the model families on: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny models are "
                    "built with ComfyUI's own classes and a server is started with them)")
    extra = extra_model_paths_file(family, workdir)  # builds the family's files on first use (cached outside the repo)
    path, python = env
    launch = LaunchConfig(path=path, python=python, extra_args=["--cpu", "--extra-model-paths-config", str(extra)],
                          restart_on_exit=False, max_restarts=0)
    server = ManagedComfyUI(launch, REPO_ROOT, timeouts=FAMILY_TIMEOUTS, data_dir=workdir, extra_custom_nodes=[TEST_NODES],
                            env=torchvision_shim_env(python, workdir))
    server.start()
    try:
        with ComfyClient(server.url, timeouts=FAMILY_TIMEOUTS) as client:
            yield client
    finally:
        server.stop()


def text_pair(clip: list) -> tuple[dict, dict]:
    return ({"class_type": "CLIPTextEncode", "inputs": {"clip": clip, "text": "comic panel, a girl with red hair, ink lines"}},
            {"class_type": "CLIPTextEncode", "inputs": {"clip": clip, "text": "blurry"}})


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


def test_sdxl_eps_and_vpred_checkpoints(tmp_path: Path) -> None:
    spec = FAMILIES["sdxl"]
    timings: dict[str, float] = {}
    with family_backend("sdxl", tmp_path) as client:
        names = client.object_info()["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
        assert {spec.file("checkpoint"), spec.file("checkpoint_vpred")} <= set(names)
        for role, model_type in (("checkpoint", "EPS"), ("checkpoint_vpred", "V_PREDICTION")):
            positive, negative = text_pair(["1", 1])
            prompt = {  # sdxl_simple_example, base pass only
                "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": spec.file(role)}},
                "2": positive, "3": negative,
                "4": {"class_type": "EmptyLatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
                "5": {"class_type": "KSamplerAdvanced", "inputs": {
                    "model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["4", 0],
                    "add_noise": "enable", "noise_seed": 1, "steps": 2, "cfg": 8.0, "sampler_name": "euler",
                    "scheduler": "normal", "start_at_step": 0, "end_at_step": 10000, "return_with_leftover_noise": "disable"}},
                "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
                "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": f"tiny_{role}"}},
                "8": {"class_type": "InkframeTestModelInfo", "inputs": {"model": ["1", 0]}},
            }
            result = run(client, prompt, timings, role)
            info = detected(result)
            assert (info["model_config"], info["model_type"], info["latent_format"]) == ("SDXL", model_type, "SDXL")
            single_image(result)
            report(role, timings, info)


def test_flux_dev_and_kontext_reference_edit(tmp_path: Path) -> None:
    spec = FAMILIES["flux"]
    timings: dict[str, float] = {}
    reference = tmp_path / "character.png"
    Image.fromarray(np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8)[None, :, None], (SIZE, 1, 3))).save(reference)
    with family_backend("flux", tmp_path) as client:
        positive, _ = text_pair(["2", 0])
        loaders = {
            "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
            "2": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": spec.file("clip_l"), "clip_name2": spec.file("t5"),
                                                             "type": "flux", "device": "default"}},
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
            "4": positive,
        }
        text_to_image = {**loaders,  # flux_dev_full_text_to_image
                         "5": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["4", 0], "guidance": 3.5}},
                         "6": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["4", 0]}},
                         "7": {"class_type": "EmptySD3LatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
                         "8": {"class_type": "KSampler", "inputs": {
                             "model": ["1", 0], "positive": ["5", 0], "negative": ["6", 0], "latent_image": ["7", 0], "seed": 1,
                             "steps": 2, "cfg": 1.0, "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0}},
                         "9": {"class_type": "VAEDecode", "inputs": {"samples": ["8", 0], "vae": ["3", 0]}},
                         "10": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "tiny_flux"}},
                         "11": {"class_type": "InkframeTestModelInfo", "inputs": {"model": ["1", 0]}}}
        result = run(client, text_to_image, timings, "t2i")
        info = detected(result)
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("Flux", "FLUX", "Flux")
        single_image(result)
        uploaded = client.upload_image(reference, subfolder="inkframe")
        kontext = {**loaders,  # flux_kontext_dev_basic: the reference image's latent joins the conditioning
                   "5": {"class_type": "LoadImage", "inputs": {"image": uploaded.reference}},
                   "6": {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["3", 0]}},
                   "7": {"class_type": "ReferenceLatent", "inputs": {"conditioning": ["4", 0], "latent": ["6", 0]}},
                   "8": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["7", 0], "guidance": 2.5}},
                   "9": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["4", 0]}},
                   "10": {"class_type": "KSampler", "inputs": {
                       "model": ["1", 0], "positive": ["8", 0], "negative": ["9", 0], "latent_image": ["6", 0], "seed": 2,
                       "steps": 2, "cfg": 1.0, "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0}},
                   "11": {"class_type": "VAEDecode", "inputs": {"samples": ["10", 0], "vae": ["3", 0]}},
                   "12": {"class_type": "SaveImage", "inputs": {"images": ["11", 0], "filename_prefix": "tiny_kontext"}}}
        single_image(run(client, kontext, timings, "kontext_edit"))
        report("flux", timings, info)


def test_qwen_image(tmp_path: Path) -> None:
    spec = FAMILIES["qwen"]
    timings: dict[str, float] = {}
    with family_backend("qwen", tmp_path) as client:
        positive, negative = text_pair(["2", 0])
        prompt = {  # image_qwen_image
            "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
            "2": {"class_type": "CLIPLoader", "inputs": {"clip_name": spec.file("text_encoder"), "type": "qwen_image", "device": "default"}},
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
            "4": positive, "5": negative,
            "6": {"class_type": "ModelSamplingAuraFlow", "inputs": {"model": ["1", 0], "shift": 3.1}},
            "7": {"class_type": "EmptySD3LatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
            "8": {"class_type": "KSampler", "inputs": {
                "model": ["6", 0], "positive": ["4", 0], "negative": ["5", 0], "latent_image": ["7", 0], "seed": 1,
                "steps": 2, "cfg": 2.5, "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0}},
            "9": {"class_type": "VAEDecode", "inputs": {"samples": ["8", 0], "vae": ["3", 0]}},
            "10": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "tiny_qwen"}},
            "11": {"class_type": "InkframeTestModelInfo", "inputs": {"model": ["1", 0]}},
        }
        result = run(client, prompt, timings, "t2i")
        info = detected(result)
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("QwenImage", "FLUX", "Wan21")  # ComfyUI samples Qwen-Image as FLUX-type flow
        single_image(result)
        report("qwen", timings, info)


def test_wan22_ti2v_5b_image_to_video(tmp_path: Path) -> None:
    spec = FAMILIES["wan22_5b"]
    timings: dict[str, float] = {}
    start = tmp_path / "panel.png"
    Image.fromarray(np.tile(np.linspace(0, 255, SIZE, dtype=np.uint8)[:, None, None], (1, SIZE, 3))).save(start)
    with family_backend("wan22_5b", tmp_path) as client:
        uploaded = client.upload_image(start, subfolder="inkframe")
        positive, negative = text_pair(["2", 0])
        length = 5
        prompt = {  # video_wan2_2_5B_ti2v with its start image enabled
            "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
            "2": {"class_type": "CLIPLoader", "inputs": {"clip_name": spec.file("text_encoder"), "type": "wan", "device": "default"}},
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
            "4": positive, "5": negative,
            "6": {"class_type": "ModelSamplingSD3", "inputs": {"model": ["1", 0], "shift": 8.0}},
            "7": {"class_type": "LoadImage", "inputs": {"image": uploaded.reference}},
            "8": {"class_type": "Wan22ImageToVideoLatent", "inputs": {"vae": ["3", 0], "width": SIZE, "height": SIZE, "length": length,
                                                                      "batch_size": 1, "start_image": ["7", 0]}},
            "9": {"class_type": "KSampler", "inputs": {
                "model": ["6", 0], "positive": ["4", 0], "negative": ["5", 0], "latent_image": ["8", 0], "seed": 1,
                "steps": 2, "cfg": 5.0, "sampler_name": "uni_pc", "scheduler": "simple", "denoise": 1.0}},
            "10": {"class_type": "VAEDecode", "inputs": {"samples": ["9", 0], "vae": ["3", 0]}},
            "11": {"class_type": "CreateVideo", "inputs": {"images": ["10", 0], "fps": 24.0}},
            "12": {"class_type": "SaveVideo", "inputs": {"video": ["11", 0], "filename_prefix": "video/tiny_wan",
                                                         "format": "mp4", "codec": "h264"}},
            "13": {"class_type": "InkframeTestModelInfo", "inputs": {"model": ["1", 0]}},
        }
        result = run(client, prompt, timings, "ti2v")
        info = detected(result)
        assert (info["model_config"], info["model_type"], info["latent_format"]) == ("WAN22_T2V", "FLOW", "Wan22")
        videos = [f for f in result.files if f.filename.endswith(".mp4")]
        assert len(videos) == 1, [f.filename for f in result.files]
        clip = tmp_path / "wan.mp4"
        clip.write_bytes(videos[0].data)
        video = probe(clip)
        assert (video.width, video.height, video.frame_count, float(video.fps)) == (SIZE, SIZE, length, 24.0)
        report("wan22_5b", timings, info)
