"""Third-party node packs checked out OUTSIDE the repository, and tiny random-weight models of the formats they load.

The older video built-ins (text_to_video, pose_animation, portrait_animation, image_to_video, pose_extraction) need
node packs that the product installs at the commits of scripts/comfyui_pins.yaml. Tests never fetch them: point
$INKFRAME_TEST_PACKS_DIR at a folder holding checkouts named as in the pins (e.g. /tmp/packs/ComfyUI-VideoHelperSuite),
each at its pinned commit; a test whose packs are absent or at another commit skips and says which.
Their Python dependencies go into the ComfyUI venv (docs/testing.md lists them).

Models (built with ComfyUI's and the pack's own classes in a child process, cached outside the repository like
family_fixtures):
- animatediff: an SD1.5-layout checkpoint at full block structure (AnimateDiff's motion module is fixed to SD1.5's
  320/640/1280/1280 channels, 4 down blocks x 2 and 4 up blocks x 3 injection points, so the UNet cannot shrink like
  the tiny SD1.5 fixture's; only its spatial transformers are left out but the first and the middle one, ~560M
  parameters) and a
  motion module of mm_sd_v15_v2's layout (AnimateDiff-Evolved's AnimateDiffModel, v2: mid block, 32 positions).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from .family_fixtures import SEED, cache_root, comfy_env

PACKS_ENV = "INKFRAME_TEST_PACKS_DIR"
PINS = Path(__file__).resolve().parents[2] / "scripts" / "comfyui_pins.yaml"
RECIPE_VERSION = "v2"


@dataclass(frozen=True)
class PackModels:
    name: str
    files: dict[str, str]  # role -> "<folder>/<file name>"
    packs: tuple[str, ...]  # packs whose classes build the files

    def file(self, role: str) -> str:
        return self.files[role].split("/", 1)[1]


def _name(what: str, suffix: str = "safetensors") -> str:
    return f"inkframe-tiny-{what}-{RECIPE_VERSION}.{suffix}"


MODELS: dict[str, PackModels] = {
    "animatediff": PackModels(
        "animatediff",
        {
            "checkpoint": f"checkpoints/{_name('sd15-full-layout')}",
            "motion_module": f"animatediff_models/{_name('mm_sd_v15_v2')}",
        },
        ("ComfyUI-AnimateDiff-Evolved",),
    ),
    "svd": PackModels("svd", {"checkpoint": f"checkpoints/{_name('svd-xt-layout')}"}, ()),
}


def pinned_commits() -> dict[str, str]:
    data = yaml.safe_load(PINS.read_text(encoding="utf-8"))
    return {pack["name"]: pack["commit"] for pack in data["packs"]}


def packs_dir(names: tuple[str, ...]) -> tuple[Path | None, str]:
    """($INKFRAME_TEST_PACKS_DIR, '') when every named pack is checked out there at its pin, else (None, why not)."""
    root = os.environ.get(PACKS_ENV)
    if not root:
        return None, (
            f"set {PACKS_ENV} to a folder with checkouts of {', '.join(names)} at the commits of "
            "scripts/comfyui_pins.yaml (docs/testing.md)"
        )
    pins = pinned_commits()
    for name in names:
        checkout = Path(root) / name
        if not (checkout / "__init__.py").is_file():
            return None, f"{PACKS_ENV}={root} has no checkout of {name} (pinned at {pins[name]})"
        done = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and done.stdout.strip() != pins[name]:
            return None, f"{checkout} is at {done.stdout.strip()[:12]}, not the pinned {pins[name][:12]}"
    return Path(root), ""


def custom_nodes_dir(root: Path, names: tuple[str, ...], workdir: Path) -> Path:
    """A folder holding links to just the named packs (ComfyUI loads every child of a custom_nodes folder)."""
    folder = workdir / "packs"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        link = folder / name
        if not link.exists():
            link.symlink_to(root / name, target_is_directory=True)
    return folder


BUILD_SCRIPT = r"""
import json, os, sys
comfy_path, what, out_dir, seed, packs_root = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
files = json.loads(sys.argv[6])
sys.argv = sys.argv[:1]
sys.path.insert(0, comfy_path)
import torch
torch.set_num_threads(2)
import comfy.cli_args
comfy.cli_args.args.cpu = True
import comfy.ops
from safetensors.torch import save_file

generator = torch.Generator().manual_seed(seed)
OPS = comfy.ops.disable_weight_init
NOTE = {"inkframe": "random-weight test file of a model format's architecture; never a real model"}


def randomise(module, std=0.02):
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith("bias"):
                param.zero_()
            elif param.dim() == 1 and "norm" in name:
                param.fill_(1.0)
            else:
                param.copy_(torch.randn(param.shape, generator=generator) * std)
    return module


def save(state, role):
    path = os.path.join(out_dir, files[role])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    state = {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
             for k, v in state.items()}
    save_file(state, path, metadata=NOTE)


def animatediff():
    import comfy.sd1_clip, comfy.taesd.taesd
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel
    # SD1.5's block structure (what the motion module is injected into); spatial transformers only in the first block
    # (ComfyUI reads context_dim 768 there) and the middle
    unet = UNetModel(image_size=32, in_channels=4, out_channels=4, model_channels=320, num_res_blocks=2,
                     channel_mult=(1, 2, 4, 4), num_heads=8, use_spatial_transformer=True,
                     transformer_depth=[1] + [0] * 7,
                     transformer_depth_middle=1, transformer_depth_output=[0] * 12, context_dim=768,
                     use_linear_in_transformer=False, legacy=False, dtype=torch.float32, device="cpu", operations=OPS)
    state = {"model.diffusion_model." + k: v for k, v in randomise(unet).state_dict().items()}
    del unet
    clip = randomise(comfy.sd1_clip.SDClipModel(device="cpu", dtype=torch.float32))
    state.update({"cond_stage_model." + k: v for k, v in clip.state_dict().items()})
    taesd = randomise(comfy.taesd.taesd.TAESD(), std=0.05)
    state.update({"first_stage_model." + k: v for k, v in taesd.state_dict().items()})
    state["first_stage_model.vae_scale"] = torch.tensor(1.0)
    state["first_stage_model.vae_shift"] = torch.tensor(0.0)
    save(state, "checkpoint")
    del state
    sys.path.insert(0, os.path.join(packs_root, "ComfyUI-AnimateDiff-Evolved"))
    from animatediff.motion_module_ad import AnimateDiffFormat, AnimateDiffInfo, AnimateDiffModel, AnimateDiffVersion
    from animatediff.utils_model import ModelTypeSD
    pe = "temporal_transformer.transformer_blocks.0.attention_blocks.1.pos_encoder.pe"
    # what the loader reads from the keys: 4 down / 4 up blocks (SD1.5), a mid block (v2), 32 positions
    layout = {f"down_blocks.3.motion_modules.1.{pe}": torch.zeros(1, 32, 1280),
              f"up_blocks.3.motion_modules.2.{pe}": torch.zeros(1, 32, 320),
              f"mid_block.motion_modules.0.{pe}": torch.zeros(1, 32, 1280)}
    info = AnimateDiffInfo(ModelTypeSD.SD1_5, AnimateDiffFormat.ANIMATEDIFF, AnimateDiffVersion.V2, "mm_sd_v15_v2")
    model = randomise(AnimateDiffModel(layout, info, {}))
    save(model.state_dict(), "motion_module")


def svd():
    import comfy.clip_vision
    from comfy.ldm.models.autoencoder import AutoencodingEngine
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel
    # what ComfyUI reads as SVD_img2vid: 320 channels, 8 in, context 1024, adm 768, transformer_depth [1]*6 + [0]*2,
    # temporal res blocks and attention; channel_mult is not checked, so every level stays 320 wide
    unet = UNetModel(image_size=32, in_channels=8, out_channels=4, model_channels=320, num_res_blocks=2,
                     channel_mult=(1, 1, 1, 1), num_heads=-1, num_head_channels=64, use_spatial_transformer=True,
                     transformer_depth=[1, 1, 1, 1, 1, 1, 0, 0], transformer_depth_middle=1,
                     transformer_depth_output=[1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], context_dim=1024,
                     use_linear_in_transformer=True, adm_in_channels=768, num_classes="sequential", legacy=False,
                     extra_ff_mix_layer=True, use_spatial_context=True, merge_strategy="learned_with_images",
                     merge_factor=0.0, video_kernel_size=[3, 1, 1], use_temporal_resblock=True,
                     use_temporal_attention=True, disable_temporal_crossattention=False, max_ddpm_temb_period=10000,
                     dtype=torch.float32, device="cpu", operations=OPS)
    state = {"model.diffusion_model." + k: v for k, v in randomise(unet).state_dict().items()}
    del unet
    # the image encoder: ComfyUI picks the ViT-H config by layer count (32 layers x 1280, 632M parameters, fixed)
    vision = comfy.clip_vision.ClipVisionModel(os.path.join(comfy_path, "comfy", "clip_vision_config_h.json"))
    prefix = "conditioner.embedders.0.open_clip.model.visual."
    state.update({prefix + k: v for k, v in randomise(vision.model).state_dict().items()})
    del vision
    # the temporal VAE of SVD (ComfyUI builds it from a fixed config when decoder.mid.block_1.mix_factor is there)
    config = {"double_z": True, "z_channels": 4, "resolution": 256, "in_channels": 3, "out_ch": 3, "ch": 128,
              "ch_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_resolutions": [], "dropout": 0.0}
    vae = AutoencodingEngine(
        regularizer_config={"target": "comfy.ldm.models.autoencoder.DiagonalGaussianRegularizer"},
        encoder_config={"target": "comfy.ldm.modules.diffusionmodules.model.Encoder", "params": config},
        decoder_config={"target": "comfy.ldm.modules.temporal_ae.VideoDecoder",
                        "params": {**config, "video_kernel_size": [3, 1, 1], "alpha": 0.0}})
    state.update({"first_stage_model." + k: v for k, v in randomise(vae).state_dict().items()})
    save(state, "checkpoint")


{"animatediff": animatediff, "svd": svd}[what]()
"""


def pack_models_dir(what: str, packs_root: Path, timeout: float = 1800.0) -> Path:
    """The models folder (ComfyUI layout) with the tiny files of `what`; builds them once (file-locked)."""
    spec = MODELS[what]
    root = cache_root().parent / f"packs-{RECIPE_VERSION}-seed{SEED}"
    models = root / what
    if all((models / relative).is_file() for relative in spec.files.values()):
        return models
    env = comfy_env()
    if env is None:
        raise RuntimeError(f"building the tiny {what} models needs COMFYUI_PATH and COMFYUI_PYTHON")
    comfy_path, python = env
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{what}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((models / relative).is_file() for relative in spec.files.values()):
            return models
        import json

        from .launch import torchvision_shim_env

        partial = root / f".{what}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        done = subprocess.run(
            [
                str(python),
                "-c",
                BUILD_SCRIPT,
                str(comfy_path),
                what,
                str(partial),
                str(SEED),
                str(packs_root),
                json.dumps(spec.files),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(comfy_path),
            env={**os.environ, **torchvision_shim_env(python, root)},
        )
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise RuntimeError(f"building the tiny {what} models failed: {done.stderr[-3000:]}")
        shutil.rmtree(models, ignore_errors=True)
        os.replace(partial, models)
    return models


def start_pack_server(what: str, packs: tuple[str, ...], packs_root: Path, workdir: Path, timeouts):
    """A started ManagedComfyUI (stock ComfyUI, --cpu) with the named packs and the tiny `what` models."""
    from app.comfy import ManagedComfyUI
    from app.config import LaunchConfig

    from .family_fixtures import TEST_NODES
    from .launch import REPO_ROOT, torchvision_shim_env

    models = pack_models_dir(what, packs_root)
    folders = sorted({relative.split("/", 1)[0] for relative in MODELS[what].files.values()})
    extra = workdir / f"inkframe_tiny_{what}.yaml"
    extra.write_text(
        yaml.safe_dump({f"inkframe_tiny_{what}": {"base_path": str(models), **{f: f for f in folders}}}),
        encoding="utf-8",
    )
    comfy_path, python = comfy_env()
    launch = LaunchConfig(
        path=comfy_path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra)],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=timeouts,
        data_dir=workdir,
        extra_custom_nodes=[TEST_NODES, custom_nodes_dir(packs_root, packs, workdir)],
        env=torchvision_shim_env(python, workdir),
    )
    server.start()
    return server
