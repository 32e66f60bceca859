"""A tiny random-weight SDXL OpenPose ControlNet for the SDXL character sheet's live run, a tiny all-in-one
Flux.1 dev checkpoint for the `*_flux_checkpoint` workflows, and the SDXL IPAdapter files for `panel_sdxl`.

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


# ComfyUI_IPAdapter_plus's IPAdapterUnifiedLoader, preset PLUS on an SDXL model, looks for `plus.sdxl.vit.h` in
# models/ipadapter and `ViT.H.14.*s32B.b79K` in models/clip_vision.
SDXL_IPADAPTER = {
    "clip_vision": "clip_vision/inkframe-tiny-sdxl-CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors",
    "ipadapter": "ipadapter/inkframe-tiny-ip-adapter-plus_sdxl_vit-h.safetensors",
}
IPADAPTER_SCRIPT = r"""
import json, os, sys
comfy_path, pack, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
files = json.loads(sys.argv[5])
sys.argv = sys.argv[:1]
sys.path.insert(0, comfy_path)
import torch
torch.set_num_threads(2)
import comfy.cli_args
comfy.cli_args.args.cpu = True
import comfy.clip_vision
from safetensors.torch import save_file

generator = torch.Generator().manual_seed(seed + 11)
NOTE = {"inkframe": "random-weight test file of an IPAdapter format; never a real model"}


def random_state(module):
    state = {}
    for name, param in module.state_dict().items():
        if name.endswith("bias"):
            value = torch.zeros_like(param)
        elif param.dim() == 1 and ("norm" in name or "ln" in name):
            value = torch.ones_like(param)
        else:
            value = torch.randn(param.shape, generator=generator) * 0.02
        state[name] = value.to(torch.float16).contiguous()
    return state


def save(state, role):
    path = os.path.join(out, files[role])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(state, path, metadata=NOTE)


# the ViT-H image encoder: ComfyUI picks clip_vision_config_h.json by layer count, so it keeps 32 x 1280 (fixed)
vision = comfy.clip_vision.ClipVisionModel(os.path.join(comfy_path, "comfy", "clip_vision_config_h.json"))
save(random_state(vision.model), "clip_vision")
del vision
sys.path.insert(0, pack)
from image_proj_models import Resampler

# IPAdapterPlus.IPAdapter.init_proj_plus for an SDXL plus file: 1280 wide, 20 heads, 16 queries, fed ViT-H's
# 1280-wide hidden states, out to SDXL's 2048-wide text context
resampler = Resampler(dim=1280, depth=4, dim_head=64, heads=20, num_queries=16, embedding_dim=1280, output_dim=2048,
                      ff_mult=4)
state = {"image_proj." + k: v for k, v in random_state(resampler).items()}
# one to_k_ip / to_v_ip pair per cross-attention the pack patches on SDXL (70, in its order); each reads the 2048-wide
# context into that block's width, 320 everywhere in the tiny SDXL UNet (channel_mult 1, 1, 1)
for number in range(70):
    for projection in ("to_k_ip", "to_v_ip"):
        weight = torch.randn((320, 2048), generator=generator) * 0.02
        state[f"ip_adapter.{number * 2 + 1}.{projection}.weight"] = weight.to(torch.float16)
save(state, "ipadapter")
"""


def sdxl_ipadapter_dir(packs_root: Path, timeout: float = 1800.0) -> Path:
    """The models folder (clip_vision/, ipadapter/) with the tiny SDXL IPAdapter files; built once with ComfyUI's
    ClipVisionModel and ComfyUI_IPAdapter_plus's Resampler (the pack from `packs_root`)."""
    import json

    models = cache_root() / "sdxl-ipadapter"
    if all((models / relative).is_file() for relative in SDXL_IPADAPTER.values()):
        return models
    env = comfy_env()
    if env is None:
        raise RuntimeError("building the tiny SDXL IPAdapter files needs COMFYUI_PATH and COMFYUI_PYTHON")
    comfy_path, python = env
    with open(cache_root() / ".sdxl-ipadapter.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((models / relative).is_file() for relative in SDXL_IPADAPTER.values()):
            return models
        partial = cache_root() / ".sdxl-ipadapter.partial"
        shutil.rmtree(partial, ignore_errors=True)
        from .launch import torchvision_shim_env

        pack = packs_root / "ComfyUI_IPAdapter_plus"
        done = subprocess.run(
            [
                str(python),
                "-c",
                IPADAPTER_SCRIPT,
                str(comfy_path),
                str(pack),
                str(partial),
                str(SEED),
                json.dumps(SDXL_IPADAPTER),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(comfy_path),
            env={**os.environ, **torchvision_shim_env(python, cache_root())},
        )
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise RuntimeError(f"building the tiny SDXL IPAdapter files failed: {done.stderr[-3000:]}")
        shutil.rmtree(models, ignore_errors=True)
        os.replace(partial, models)
    return models


def sdxl_ipadapter_paths(folder: Path, packs_root: Path) -> Path:
    """An extra_model_paths.yaml pointing models/ipadapter and models/clip_vision at the tiny SDXL IPAdapter files."""
    path = folder / "inkframe_tiny_sdxl_ipadapter.yaml"
    entry = {"base_path": str(sdxl_ipadapter_dir(packs_root)), "ipadapter": "ipadapter", "clip_vision": "clip_vision"}
    path.write_text(yaml.safe_dump({"inkframe_tiny_sdxl_ipadapter": entry}), encoding="utf-8")
    return path
