"""Tiny random-weight models of the modern families (SDXL eps / v-pred, Flux.1, Qwen-Image, Wan 2.2 TI2V-5B).

Built at test time with ComfyUI's own classes (a child process with $COMFYUI_PYTHON importing $COMFYUI_PATH; no
ComfyUI code is copied here) and cached outside the repository (~/.cache/inkframe-test-models or
$INKFRAME_TEST_MODELS), keyed by recipe version and seed. The pictures are noise; what they prove is that ComfyUI
detects each file as its family and that the family's core-node graph runs end to end.

What ComfyUI's detection needs (measured on v0.3.64, see ../shared/tiny_models/README.md):
- SDXL: model_channels 320, context_dim 2048, adm_in_channels 2816 and transformer_depth exactly
  [0, 0, 2, 2, 10, 10] (the rest shrinks: channel_mult (1, 1, 1), 150M parameters). A `v_pred` key (+ `ztsnr`,
  like the anime v-pred checkpoints) makes it V_PREDICTION. TAESD-shaped VAE.
- Flux.1-dev: hidden 3072 / 24 heads / context 4096 are read as fixed, only block counts shrink (1 + 1 blocks,
  404M parameters); full-size random CLIP-L; TAESD VAE with 16 latent channels.
- Qwen-Image: one transformer block of the fixed width; the Wan 2.1 VAE (its size is fixed in ComfyUI).
- Wan 2.2 TI2V-5B: in/out 48 channels, dim 128, 2 layers; the Wan 2.2 VAE (705M parameters, fixed).
- Wan 2.2 14B layouts (wan22_14b): image-to-video in 36 / out 16 channels (also first/last frame), Fun Control in 52
  with a `ref_conv` (reference image), high- and low-noise files each; the Wan 2.1 VAE (127M parameters, fixed).

Text encoders: stock loaders build them from fixed configs whatever the file holds (T5-XXL, UMT5-XXL,
Qwen2.5-VL-7B, CLIP-G), so a tiny encoder file carries a uint8 JSON tensor `inkframe_te_config` that the
test-only node pack tests/comfy_test_nodes/inkframe_test_models passes to ComfyUI as
`model_options["<name>_model_config"]`. Real model files never carry that key.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

SEED = 5150
RECIPE_VERSION = "v1"
TEST_NODES = Path(__file__).resolve().parents[1] / "comfy_test_nodes"


@dataclass(frozen=True)
class TinyFamily:
    name: str
    files: dict[str, str]  # role -> "<folder>/<file name>"
    detected_as: str  # ComfyUI's model config class
    model_type: str  # ComfyUI's ModelType name
    build_minutes: float  # rough build time on 2 loaded cores

    def file(self, role: str) -> str:
        return self.files[role].split("/", 1)[1]


def _name(what: str) -> str:
    return f"inkframe-tiny-{what}-{RECIPE_VERSION}.safetensors"


FAMILIES: dict[str, TinyFamily] = {
    "sdxl": TinyFamily(
        "sdxl",
        {"checkpoint": f"checkpoints/{_name('sdxl')}", "checkpoint_vpred": f"checkpoints/{_name('sdxl-vpred')}"},
        "SDXL",
        "EPS",
        2,
    ),
    "flux": TinyFamily(
        "flux",
        {
            "unet": f"diffusion_models/{_name('flux1-dev')}",
            "clip_l": f"text_encoders/{_name('clip-l')}",
            "t5": f"text_encoders/{_name('t5xxl')}",
            "vae": f"vae/{_name('taef1')}",
        },
        "Flux",
        "FLUX",
        3,
    ),
    "qwen": TinyFamily(
        "qwen",
        {
            "unet": f"diffusion_models/{_name('qwen-image')}",
            "text_encoder": f"text_encoders/{_name('qwen25vl7b-text')}",
            "text_encoder_vl": f"text_encoders/{_name('qwen25vl7b-vl')}",
            "vae": f"vae/{_name('wan21-vae')}",
        },
        "QwenImage",
        "FLUX",
        4,
    ),
    "wan22_5b": TinyFamily(
        "wan22_5b",
        {
            "unet": f"diffusion_models/{_name('wan22-ti2v5b')}",
            "text_encoder": f"text_encoders/{_name('umt5xxl')}",
            "vae": f"vae/{_name('wan22-vae')}",
        },
        "WAN22_T2V",
        "FLOW",
        6,
    ),
    # names that app/workflows/families.py reads as the Wan 2.2 14B i2v / first-last-frame / Fun Control families
    "wan22_14b": TinyFamily(
        "wan22_14b",
        {
            "unet_i2v_high": f"diffusion_models/{_name('wan2.2_i2v_high_noise_14B')}",
            "unet_i2v_low": f"diffusion_models/{_name('wan2.2_i2v_low_noise_14B')}",
            "unet_fun_high": f"diffusion_models/{_name('wan2.2_fun_control_high_noise_14B')}",
            "unet_fun_low": f"diffusion_models/{_name('wan2.2_fun_control_low_noise_14B')}",
            "text_encoder": f"text_encoders/{_name('umt5xxl')}",
            "vae": f"vae/{_name('wan21-vae')}",
        },
        "WAN21_T2V",
        "FLOW",
        3,
    ),
}

# Same-architecture names under which the app's family detection (app/workflows/families.py) finds the reference-edit
# models: Kontext dev is a Flux.1-dev transformer, Qwen-Image-Edit-2509 a Qwen-Image one (symlinks, made on use).
ALIASES: dict[str, dict[str, str]] = {
    "flux": {"unet_kontext": f"diffusion_models/{_name('flux1-kontext-dev')}"},
    "qwen": {"unet_edit": f"diffusion_models/{_name('qwen-image-edit-2509')}"},
}


def _link_aliases(family: str, models: Path) -> None:
    for _role, relative in ALIASES.get(family, {}).items():
        link, target = models / relative, models / FAMILIES[family].files["unet"]
        if not link.is_symlink():
            link.unlink(missing_ok=True)
            link.symlink_to(target)


def alias_file(family: str, role: str) -> str:
    return ALIASES[family][role].split("/", 1)[1]


BUILD_SCRIPT = r"""
import io, json, os, sys
comfy_path, family, out_dir, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
files = json.loads(sys.argv[5])
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
NOTE = {"inkframe": "random-weight test file of a model family's architecture; never a real model"}


def randomise(module, std=0.02):
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith("bias"):
                param.zero_()
            elif param.dim() == 1 and ("norm" in name or "ln_" in name or name.endswith(".gamma")):
                param.fill_(1.0)
            else:
                param.copy_(torch.randn(param.shape, generator=generator) * std)
    return module


def half(state):
    return {k: (v.detach().to(torch.float16) if v.is_floating_point() else v.detach()).contiguous()
            for k, v in state.items()}


def config_tensor(config):
    return torch.frombuffer(bytearray(json.dumps(config).encode()), dtype=torch.uint8)


def save(state, role):
    path = os.path.join(out_dir, files[role])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(state, path, metadata=NOTE)


def taesd(latent_channels):
    import comfy.taesd.taesd
    return randomise(comfy.taesd.taesd.TAESD(latent_channels=latent_channels), std=0.05)


def sdxl():
    import comfy.sdxl_clip, comfy.supported_models
    from comfy.ldm.modules.diffusionmodules.openaimodel import UNetModel
    unet_config = dict(image_size=32, in_channels=4, out_channels=4, model_channels=320, num_res_blocks=[2, 2, 2],
                       channel_mult=(1, 1, 1), num_head_channels=64, use_spatial_transformer=True,
                       use_linear_in_transformer=True, transformer_depth=[0, 0, 2, 2, 10, 10],
                       transformer_depth_output=[0, 0, 0, 0, 0, 0, 1, 1, 1], transformer_depth_middle=1,
                       context_dim=2048, adm_in_channels=2816, num_classes="sequential", legacy=False)
    unet = randomise(UNetModel(**unet_config, dtype=torch.float32, device="cpu", operations=OPS))
    te = {"clip_l": {"num_hidden_layers": 3, "intermediate_size": 8},
          "clip_g": {"num_hidden_layers": 3, "intermediate_size": 8}}
    clip = randomise(comfy.sdxl_clip.SDXLClipModel(device="cpu", dtype=torch.float32,
                                                   model_options={f"{k}_model_config": v for k, v in te.items()}))
    config = comfy.supported_models.SDXL({**unet_config, "use_temporal_attention": False})
    state = {"model.diffusion_model." + k: v for k, v in unet.state_dict().items()}
    state.update(config.process_clip_state_dict_for_saving(clip.state_dict()))
    state.update({"first_stage_model." + k: v for k, v in taesd(4).state_dict().items()})
    state["first_stage_model.vae_scale"] = torch.tensor(1.0)
    state["first_stage_model.vae_shift"] = torch.tensor(0.0)
    state = half(state)
    state["inkframe_te_config"] = config_tensor(te)
    save(state, "checkpoint")
    state["v_pred"] = torch.tensor([])  # the keys v-prediction SDXL checkpoints (NoobAI, Illustrious v-pred) carry
    state["ztsnr"] = torch.tensor([])
    save(state, "checkpoint_vpred")


def umt5_like(config_name, tiny, extra=None):
    import comfy.text_encoders.t5
    config = json.load(open(os.path.join(comfy_path, "comfy", "text_encoders", config_name)))
    config.update(tiny)
    model = randomise(comfy.text_encoders.t5.T5(config, torch.float32, "cpu", comfy.ops.manual_cast), std=0.05)
    state = half(model.state_dict())
    state.update(extra or {})
    return state


def flux():
    import comfy.ldm.flux.model, comfy.sd1_clip
    model = comfy.ldm.flux.model.Flux(image_model="flux", in_channels=16, out_channels=16, vec_in_dim=768,
                                      context_in_dim=4096, hidden_size=3072, mlp_ratio=4.0, num_heads=24, depth=1,
                                      depth_single_blocks=1, axes_dim=[16, 56, 56], theta=10000, qkv_bias=True,
                                      guidance_embed=True, patch_size=2, dtype=torch.float32, device="cpu",
                                      operations=OPS)
    save(half(randomise(model).state_dict()), "unet")
    del model
    clip_l = randomise(comfy.sd1_clip.SDClipModel(device="cpu", dtype=torch.float32))  # fixed 12 x 768 config
    save(half({k[len("transformer."):]: v for k, v in clip_l.state_dict().items()
               if k.startswith("transformer.")}), "clip_l")
    tiny = {"num_layers": 24, "d_ff": 8, "num_heads": 1, "d_kv": 8}  # d_model 4096 = Flux context; vocab 32128 kept
    save(umt5_like("t5_config_xxl.json", tiny, {"inkframe_te_config": config_tensor({"t5xxl": tiny})}), "t5")
    state = taesd(16).state_dict()
    state["vae_scale"] = torch.tensor(1.0)
    state["vae_shift"] = torch.tensor(0.0)
    save(half(state), "vae")


def wan21_vae():
    import comfy.ldm.wan.vae
    vae = comfy.ldm.wan.vae.WanVAE(dim=96, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
                                   temperal_downsample=[False, True, True], dropout=0.0)
    save(half(randomise(vae).state_dict()), "vae")


def qwen():
    import comfy.ldm.qwen_image.model, comfy.text_encoders.llama
    model = comfy.ldm.qwen_image.model.QwenImageTransformer2DModel(num_layers=1, in_channels=64, dtype=torch.float32,
                                                                  device="cpu", operations=OPS)
    save(half(randomise(model).state_dict()), "unet")
    del model
    # hidden 3584 and vocab 152064 stay; 4 kv heads x 128 = k_proj bias 512 is what ComfyUI reads as Qwen2.5-7B
    tiny = {"num_hidden_layers": 1, "intermediate_size": 8, "num_attention_heads": 4, "num_key_value_heads": 4}
    te = comfy.text_encoders.llama.Qwen25_7BVLI(tiny, torch.float32, "meta", comfy.ops.manual_cast)
    shapes = {key: value.shape for key, value in te.state_dict().items()}
    del te

    def random_like(key, shape):
        if len(shape) == 1 and "norm" in key:
            return torch.ones(shape, dtype=torch.float16)
        if key.endswith("bias"):
            return torch.zeros(shape, dtype=torch.float16)
        return (torch.randn(shape, generator=generator) * 0.02).to(torch.float16)

    state = {key: random_like(key, shape) for key, shape in shapes.items() if not key.startswith("visual.")}
    state["inkframe_te_config"] = config_tensor({"qwen25_7b": tiny})
    save(state, "text_encoder")  # text only: what Qwen-Image text-to-image runs
    # Qwen-Image-Edit-2509 reads the reference images with the vision tower, whose size ComfyUI fixes (1280 wide,
    # 32 blocks, 677M parameters): the same tiny text part plus a full-size random vision tower.
    state.update({key: random_like(key, shape) for key, shape in shapes.items() if key.startswith("visual.")})
    save(state, "text_encoder_vl")
    del state
    wan21_vae()


def wan_model(role, in_dim, out_dim, **extra):
    import comfy.ldm.wan.model
    model = comfy.ldm.wan.model.WanModel(model_type="t2v", in_dim=in_dim, out_dim=out_dim, dim=128, ffn_dim=256,
                                         num_heads=1, num_layers=2, text_dim=4096, freq_dim=256, device="cpu",
                                         dtype=torch.float32, operations=OPS, **extra)
    save(half(randomise(model).state_dict()), role)


def umt5xxl():
    import sentencepiece
    lines = [line for line in open(os.path.join(comfy_path, "README.md"), encoding="utf-8").read().splitlines()
             if line.strip()]
    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=buffer, vocab_size=512,
                                             pad_id=0, eos_id=1, unk_id=2, bos_id=-1, hard_vocab_limit=False,
                                             model_type="unigram")
    # 24 layers: ComfyUI recognises UMT5-XXL by encoder.block.23 with a 4096-wide wi_1
    tiny = {"num_layers": 24, "d_ff": 8, "num_heads": 1, "d_kv": 8, "vocab_size": 512}
    extra = {"spiece_model": torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8),
             "inkframe_te_config": config_tensor({"umt5xxl": tiny})}
    save(umt5_like("umt5_config_xxl.json", tiny, extra), "text_encoder")


def wan22_5b():
    import comfy.ldm.wan.vae2_2
    wan_model("unet", 48, 48)
    umt5xxl()
    vae = comfy.ldm.wan.vae2_2.WanVAE(dim=160, z_dim=48, dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
                                      temperal_downsample=[False, True, True], dropout=0.0)
    save(half(randomise(vae).state_dict()), "vae")


def wan22_14b():
    # 14B image-to-video / first-last-frame: 16 noise + 16 image + 4 mask channels in, 16 out (detected as WAN21_T2V)
    for role in ("unet_i2v_high", "unet_i2v_low"):
        wan_model(role, 36, 16)
    # Fun Control 2.2: 16 noise + 16 control + 4 mask + 16 start-image channels, and ref_conv for the reference image
    for role in ("unet_fun_high", "unet_fun_low"):
        wan_model(role, 52, 16, in_dim_ref_conv=16)
    umt5xxl()
    wan21_vae()


{"sdxl": sdxl, "flux": flux, "qwen": qwen, "wan22_5b": wan22_5b, "wan22_14b": wan22_14b}[family]()
"""


def cache_root() -> Path:
    root = Path(os.environ.get("INKFRAME_TEST_MODELS", Path.home() / ".cache" / "inkframe-test-models"))
    return root / f"families-{RECIPE_VERSION}-seed{SEED}"


def comfy_env() -> tuple[Path, Path] | None:
    path, python = os.environ.get("COMFYUI_PATH"), os.environ.get("COMFYUI_PYTHON")
    return (Path(path), Path(python)) if path and python else None


def family_models_dir(family: str, timeout: float = 1800.0) -> Path:
    """The models folder (ComfyUI layout) holding the family's tiny files; builds them once (file-locked)."""
    spec = FAMILIES[family]
    models = cache_root() / family
    if all((models / relative).is_file() for relative in spec.files.values()):
        _link_aliases(family, models)
        return models
    env = comfy_env()
    if env is None:
        raise RuntimeError(f"building the tiny {family} models needs COMFYUI_PATH and COMFYUI_PYTHON")
    comfy_path, python = env
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / f".{family}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((models / relative).is_file() for relative in spec.files.values()):
            return models
        partial = cache_root() / f".{family}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        import json

        from .launch import torchvision_shim_env

        shim = torchvision_shim_env(python, cache_root())  # the same import workaround the test servers get
        done = subprocess.run(
            [str(python), "-c", BUILD_SCRIPT, str(comfy_path), family, str(partial), str(SEED), json.dumps(spec.files)],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(comfy_path),
            env={**os.environ, **shim},
        )
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise RuntimeError(f"building the tiny {family} models failed: {done.stderr[-3000:]}")
        shutil.rmtree(models, ignore_errors=True)
        os.replace(partial, models)
    _link_aliases(family, models)
    return models


def extra_model_paths_file(family: str, folder: Path) -> Path:
    """An extra_model_paths.yaml (ComfyUI's format) pointing the model folders at the family's cached files."""
    models = family_models_dir(family)
    folders = sorted({relative.split("/", 1)[0] for relative in FAMILIES[family].files.values()})
    path = folder / f"inkframe_tiny_{family}.yaml"
    path.write_text(
        yaml.safe_dump({f"inkframe_tiny_{family}": {"base_path": str(models), **{f: f for f in folders}}}),
        encoding="utf-8",
    )
    return path


def start_family_server(
    family: str, workdir: Path, timeouts, extra_paths: tuple[Path, ...] = (), custom_nodes: tuple[Path, ...] = ()
):
    """A started ManagedComfyUI (stock ComfyUI from $COMFYUI_PATH, --cpu) that sees the family's tiny files (and the
    model folders of the `extra_paths` extra_model_paths files), the test-only node packs and the packs in the
    `custom_nodes` folders; the caller stops it. Builds the files on first use."""
    from app.comfy import ManagedComfyUI
    from app.config import LaunchConfig

    from .launch import REPO_ROOT, torchvision_shim_env

    env = comfy_env()
    if env is None:
        raise RuntimeError(f"starting a ComfyUI with the tiny {family} models needs COMFYUI_PATH and COMFYUI_PYTHON")
    extra = extra_model_paths_file(family, workdir)
    path, python = env
    launch = LaunchConfig(
        path=path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra)]
        + [arg for more in extra_paths for arg in ("--extra-model-paths-config", str(more))],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=timeouts,
        data_dir=workdir,
        extra_custom_nodes=[TEST_NODES, *custom_nodes],
        env=torchvision_shim_env(python, workdir),
    )
    server.start()
    return server
