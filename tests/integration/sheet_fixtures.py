"""A tiny random-weight SDXL OpenPose ControlNet for the SDXL character sheet's live run, and a tiny all-in-one
Flux.1 dev checkpoint for the `*_flux_checkpoint` workflows.

Built at test time with ComfyUI's own ControlNet class (comfy.cldm.cldm.ControlNet, a child process with
$COMFYUI_PYTHON) in the original ControlNet file layout (`control_model.*` keys, as lllyasviel's and many SDXL
OpenPose releases ship; the diffusers layout loads into the same class). Its UNet half has the tiny SDXL
checkpoint's shape (tests/integration/family_fixtures.py: model_channels 320, context 2048, adm 2816,
transformer_depth [0, 0, 2, 2, 10, 10], channel_mult (1, 1, 1)), so ComfyUI detects it as an SDXL ControlNet and
its residuals fit the tiny SDXL UNet. The file name is one app/workflows/family_choice.SDXL_OPENPOSE recognises.
Cached beside the family models (~/.cache/inkframe-test-models/families-v1-seed5150/sdxl-openpose/).

The all-in-one Flux checkpoint is the tiny split Flux files of family_fixtures.py (built with ComfyUI's own classes)
in one file under the key prefixes Comfy-Org's flux1-dev-fp8.safetensors uses (`model.diffusion_model.`,
`text_encoders.clip_l.transformer.`, `text_encoders.t5xxl.transformer.`, `vae.`), so CheckpointLoaderSimple loads
it the way it loads that file (cached in .../flux-checkpoint/checkpoints/).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from .family_fixtures import SEED, cache_root, comfy_env, family_models_dir

CONTROLNET = "inkframe-tiny-controlnet-openpose-sdxl-v1.safetensors"

BUILD_SCRIPT = r"""
import os, sys
comfy_path, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.argv = sys.argv[:1]
sys.path.insert(0, comfy_path)
import torch
torch.set_num_threads(2)
import comfy.cli_args
comfy.cli_args.args.cpu = True
import comfy.cldm.cldm, comfy.ops
from safetensors.torch import save_file

generator = torch.Generator().manual_seed(seed + 7)
config = dict(image_size=32, in_channels=4, model_channels=320, hint_channels=3, num_res_blocks=[2, 2, 2],
              channel_mult=(1, 1, 1), num_head_channels=64, use_spatial_transformer=True,
              use_linear_in_transformer=True, transformer_depth=[0, 0, 2, 2, 10, 10], transformer_depth_middle=1,
              context_dim=2048, adm_in_channels=2816, num_classes="sequential", legacy=False)
model = comfy.cldm.cldm.ControlNet(**config, dtype=torch.float32, device="cpu",
                                   operations=comfy.ops.disable_weight_init)
state = {}
with torch.no_grad():
    for name, param in model.state_dict().items():
        if name.endswith("bias"):
            value = torch.zeros_like(param)
        elif param.dim() == 1 and "norm" in name:
            value = torch.ones_like(param)
        else:
            value = torch.randn(param.shape, generator=generator) * 0.02
        state["control_model." + name] = value.to(torch.float16).contiguous()
os.makedirs(os.path.dirname(out), exist_ok=True)
save_file(state, out, metadata={"inkframe": "random-weight test file of an SDXL ControlNet; never a real model"})
"""


def sdxl_openpose_dir(timeout: float = 900.0) -> Path:
    """The models folder (ComfyUI layout: controlnet/) holding the tiny SDXL OpenPose ControlNet; built once."""
    models = cache_root() / "sdxl-openpose"
    if (models / "controlnet" / CONTROLNET).is_file():
        return models
    env = comfy_env()
    if env is None:
        raise RuntimeError("building the tiny SDXL ControlNet needs COMFYUI_PATH and COMFYUI_PYTHON")
    comfy_path, python = env
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / ".sdxl-openpose.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (models / "controlnet" / CONTROLNET).is_file():
            return models
        partial = cache_root() / ".sdxl-openpose.partial"
        shutil.rmtree(partial, ignore_errors=True)
        from .launch import torchvision_shim_env

        done = subprocess.run(
            [str(python), "-c", BUILD_SCRIPT, str(comfy_path), str(partial / "controlnet" / CONTROLNET), str(SEED)],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(comfy_path),
            env={**os.environ, **torchvision_shim_env(python, cache_root())},
        )
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise RuntimeError(f"building the tiny SDXL ControlNet failed: {done.stderr[-3000:]}")
        shutil.rmtree(models, ignore_errors=True)
        os.replace(partial, models)
    return models


def sdxl_openpose_paths(folder: Path) -> Path:
    """An extra_model_paths.yaml pointing models/controlnet at the tiny SDXL OpenPose ControlNet."""
    path = folder / "inkframe_tiny_sdxl_openpose.yaml"
    entry = {"base_path": str(sdxl_openpose_dir()), "controlnet": "controlnet"}
    path.write_text(yaml.safe_dump({"inkframe_tiny_sdxl_openpose": entry}), encoding="utf-8")
    return path


FLUX_CHECKPOINT = "inkframe-tiny-flux1-dev-fp8-aio-v1.safetensors"
FLUX_PREFIXES = {
    "unet": "model.diffusion_model.",
    "clip_l": "text_encoders.clip_l.transformer.",
    "t5": "text_encoders.t5xxl.transformer.",
    "vae": "vae.",
}


def flux_checkpoint_dir() -> Path:
    """The models folder (checkpoints/) holding the tiny all-in-one Flux.1 dev checkpoint; built once from the tiny
    split Flux files (the encoder-config key of the T5 file stays top-level, where the test hook reads it)."""
    from safetensors.torch import load_file, save_file

    from .family_fixtures import FAMILIES

    models = cache_root() / "flux-checkpoint"
    target = models / "checkpoints" / FLUX_CHECKPOINT
    if target.is_file():
        return models
    split = family_models_dir("flux")
    with open(cache_root() / ".flux-checkpoint.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            return models
        state = {}
        for role, prefix in FLUX_PREFIXES.items():
            for key, value in load_file(split / FAMILIES["flux"].files[role]).items():
                state[key if key == "inkframe_te_config" else prefix + key] = value
        partial = target.with_name(f".{target.name}.partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        save_file(state, str(partial), metadata={"inkframe": "random-weight all-in-one Flux test file; never real"})
        os.replace(partial, target)
    return models


def flux_checkpoint_paths(folder: Path) -> Path:
    """An extra_model_paths.yaml pointing models/checkpoints at the tiny all-in-one Flux checkpoint."""
    path = folder / "inkframe_tiny_flux_checkpoint.yaml"
    entry = {"base_path": str(flux_checkpoint_dir()), "checkpoints": "checkpoints"}
    path.write_text(yaml.safe_dump({"inkframe_tiny_flux_checkpoint": entry}), encoding="utf-8")
    return path
