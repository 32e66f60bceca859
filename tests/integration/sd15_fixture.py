"""A tiny SD1.5-architecture checkpoint with random weights, built at test time from ComfyUI's own classes.

The pictures it makes are noise; what it proves is that the app's real workflows (CheckpointLoaderSimple,
CLIPTextEncode, KSampler, VAEDecode/VAEEncode ...) run end to end on a live ComfyUI.

What ComfyUI's model detection needs (measured, see issue 5): model_channels 320, context_dim 768 and a
linear-free transformer in/out make it SD15; the rest of the UNet may shrink (channel_mult [1, 2], one res
block per level: ~54M parameters, ~0.15 s/step at 64x64 on CPU). The CLIP text encoder keeps its 12 layers
(ComfyUI builds it from a fixed config). The VAE is TAESD-shaped (ComfyUI detects `taesd_decoder.*`), so
decoding is milliseconds.

The build runs a small script with ComfyUI's python ($COMFYUI_PYTHON) that imports ComfyUI from
$COMFYUI_PATH — only at test time, in a child process; nothing of ComfyUI is copied into this repository
and the built file is cached outside it (~/.cache/inkframe-test-models or $INKFRAME_TEST_MODELS), keyed by
seed and recipe version. `sd15_models_dir()` returns a folder in ComfyUI's models layout holding
`checkpoints/<TINY_CHECKPOINT>` and `controlnet/<TINY_CONTROLNET>` (a ControlNet of the same reduced
UNet, for the posed character_sheet workflow); `extra_model_paths_file()` writes the YAML that points a ComfyUI at it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import yaml

SEED = 5150
RECIPE_VERSION = "v1"
TINY_CHECKPOINT = f"inkframe-tiny-sd15-{RECIPE_VERSION}-seed{SEED}.safetensors"
TINY_CONTROLNET = f"inkframe-tiny-controlnet-sd15-{RECIPE_VERSION}-seed{SEED}.safetensors"

BUILD_SCRIPT = r"""
import sys
comfy_path, out_path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
control_path = sys.argv[4] if len(sys.argv) > 4 else None
sys.argv = sys.argv[:1]
sys.path.insert(0, comfy_path)
import torch
import comfy.cli_args
comfy.cli_args.args.cpu = True
import comfy.ops
import comfy.sd1_clip
import comfy.taesd.taesd
from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel
from safetensors.torch import save_file

generator = torch.Generator().manual_seed(seed)


def randomise(module, std=0.02):
    for name, param in module.named_parameters():
        with torch.no_grad():
            if name.endswith("bias"):
                param.zero_()
            elif "norm" in name and param.dim() == 1:
                param.fill_(1.0)
            else:
                param.copy_(torch.randn(param.shape, generator=generator) * std)
    return module


unet = UNetModel(image_size=32, in_channels=4, out_channels=4, model_channels=320, num_res_blocks=1,
                 channel_mult=(1, 2), num_heads=8, use_spatial_transformer=True,
                 transformer_depth=[1, 1], transformer_depth_middle=1, transformer_depth_output=[1, 1, 1, 1],
                 context_dim=768, use_linear_in_transformer=False, legacy=False, dtype=torch.float32,
                 device="cpu", operations=comfy.ops.disable_weight_init)
clip = comfy.sd1_clip.SDClipModel(device="cpu", dtype=torch.float32)
taesd = comfy.taesd.taesd.TAESD()
state = {}
for prefix, module in (("model.diffusion_model.", randomise(unet)), ("cond_stage_model.", randomise(clip)),
                       ("first_stage_model.", randomise(taesd, std=0.05))):
    for key, value in module.state_dict().items():
        dtype = torch.float16 if value.is_floating_point() else value.dtype
        state[prefix + key] = value.detach().to(dtype).contiguous()
with torch.no_grad():
    state["first_stage_model.vae_scale"] = torch.tensor(1.0, dtype=torch.float16)
    state["first_stage_model.vae_shift"] = torch.tensor(0.0, dtype=torch.float16)
save_file(state, out_path,
          metadata={"inkframe": "random-weight SD1.5-architecture test checkpoint; never a real model"})
if control_path:  # a ControlNet matching the reduced UNet (same config), for the posed workflows
    from comfy.cldm.cldm import ControlNet
    control = ControlNet(image_size=32, in_channels=4, model_channels=320, hint_channels=3, num_res_blocks=1,
                         channel_mult=(1, 2), num_heads=8, use_spatial_transformer=True, transformer_depth=[1, 1],
                         transformer_depth_middle=1, context_dim=768, use_linear_in_transformer=False, legacy=False,
                         dtype=torch.float32, device="cpu", operations=comfy.ops.disable_weight_init)
    control_state = {"control_model." + k: v.detach().to(torch.float16).contiguous()
                     for k, v in randomise(control).state_dict().items()}
    save_file(control_state, control_path,
              metadata={"inkframe": "random-weight ControlNet test file; never a real model"})
"""


def cache_root() -> Path:
    root = Path(os.environ.get("INKFRAME_TEST_MODELS", Path.home() / ".cache" / "inkframe-test-models"))
    return root / f"sd15-tiny-{RECIPE_VERSION}-seed{SEED}"


def comfy_env() -> tuple[Path, Path] | None:
    """(ComfyUI checkout, its python) from $COMFYUI_PATH / $COMFYUI_PYTHON, or None when unset."""
    path = os.environ.get("COMFYUI_PATH")
    python = os.environ.get("COMFYUI_PYTHON")
    if not path or not python:
        return None
    return Path(path), Path(python)


def sd15_models_dir(timeout: float = 600.0) -> Path:
    """The models folder (ComfyUI layout) holding the tiny checkpoint; builds it once (file-locked)."""
    env = comfy_env()
    models = cache_root() / "models"
    target = models / "checkpoints" / TINY_CHECKPOINT
    control = models / "controlnet" / TINY_CONTROLNET
    if target.is_file() and control.is_file():
        return models
    if env is None:
        raise RuntimeError("building the tiny SD1.5 checkpoint needs COMFYUI_PATH and COMFYUI_PYTHON")
    comfy_path, python = env
    target.parent.mkdir(parents=True, exist_ok=True)
    control.parent.mkdir(parents=True, exist_ok=True)
    with open(cache_root() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target.is_file() and control.is_file()):
            partial = target.with_name(target.name + ".partial")
            control_partial = control.with_name(control.name + ".partial")
            done = subprocess.run(
                [str(python), "-c", BUILD_SCRIPT, str(comfy_path), str(partial), str(SEED), str(control_partial)],
                check=False,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=str(comfy_path),
            )
            if done.returncode != 0:
                raise RuntimeError(f"building the tiny SD1.5 checkpoint failed: {done.stderr[-2000:]}")
            os.replace(partial, target)
            os.replace(control_partial, control)
    return models


def extra_model_paths_file(folder: Path) -> Path:
    """An extra_model_paths.yaml (ComfyUI's format) pointing checkpoints/ at the cached test models."""
    models = sd15_models_dir()
    path = folder / "inkframe_test_models.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "inkframe_test_models": {
                    "base_path": str(models),
                    "checkpoints": "checkpoints",
                    "controlnet": "controlnet",
                }
            }
        ),
        encoding="utf-8",
    )
    return path
