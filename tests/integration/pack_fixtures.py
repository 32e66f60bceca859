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
- svd: an SVD-XT-layout checkpoint (pack_builders/build_svd.py).
- ipadapter: what ComfyUI_IPAdapter_plus's 'PLUS (high strength)' preset loads on SD1.5 (a ViT-H CLIP vision
  encoder, an ip-adapter-plus_sd15-layout file) and an OpenPose-format ControlNet of the animatediff checkpoint's
  widths (pack_builders/build_ipadapter.py); used with that checkpoint (start_pack_server's `also`).
- dwpose: comfyui_controlnet_aux's DWPose files, a YOLOX ONNX detector and an RTMPose TorchScript estimator
  (pack_builders/build_dwpose.py), under the folder the pack reads through $AUX_ANNOTATOR_CKPTS_PATH (so nothing is
  written into the pack's checkout); every pack server runs with HF_HUB_OFFLINE=1, so a missing file fails the run
  at once instead of downloading.
- liveportrait: ComfyUI-LivePortraitKJ's five networks at the full size of its models.yaml, under the fixed names it
  reads from <models dir>/liveportrait, and a landmark.onnx of the 203-point model's interface
  (pack_builders/build_liveportrait.py).
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
    env: tuple[tuple[str, str], ...] = ()  # (variable, folder under the models dir) the server is started with

    def file(self, role: str) -> str:
        return self.files[role].split("/", 1)[1]


def _name(what: str, suffix: str = "safetensors") -> str:
    return f"inkframe-tiny-{what}-{RECIPE_VERSION}.{suffix}"


MODELS: dict[str, PackModels] = {
    # upscale_face_restore (pack_builders/build_face_restore.py): names fixed by the workflow and ReActor's facexlib
    "face_restore": PackModels(
        "face_restore",
        {
            "upscaler": "upscale_models/RealESRGAN_x4plus.pth",
            "detector": "facedetection/detection_Resnet50_Final.pth",
            "parser": "facedetection/parsing_parsenet.pth",
        },
        ("ComfyUI-ReActor",),
    ),
    "animatediff": PackModels(
        "animatediff",
        {
            "checkpoint": f"checkpoints/{_name('sd15-full-layout')}",
            "motion_module": f"animatediff_models/{_name('mm_sd_v15_v2')}",
        },
        ("ComfyUI-AnimateDiff-Evolved",),
    ),
    "svd": PackModels("svd", {"checkpoint": f"checkpoints/{_name('svd-xt-layout')}"}, ()),
    # named so ComfyUI_IPAdapter_plus's preset patterns find them (utils.get_clipvision_file / get_ipadapter_file)
    "ipadapter": PackModels(
        "ipadapter",
        {
            "clip_vision": f"clip_vision/inkframe-tiny-{RECIPE_VERSION}-CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors",
            "ipadapter": f"ipadapter/inkframe-tiny-{RECIPE_VERSION}-ip-adapter-plus_sd15.safetensors",
            "controlnet_openpose": f"controlnet/{_name('control_sd15_openpose-full-layout')}",  # pose_animation
        },
        ("ComfyUI_IPAdapter_plus",),
    ),
    "dwpose": PackModels(  # names fixed by DWPreprocessor's choices; read from $AUX_ANNOTATOR_CKPTS_PATH/<hf repo>/
        "dwpose",
        {
            "bbox_detector": "aux-ckpts-v1/yzd-v/DWPose/yolox_l.onnx",
            "pose_estimator": "aux-ckpts-v1/hr16/DWPose-TorchScript-BatchSize5/dw-ll_ucoco_384_bs5.torchscript.pt",
        },
        (),
        (("AUX_ANNOTATOR_CKPTS_PATH", "aux-ckpts-v1"),),
    ),
    # ComfyUI-LivePortraitKJ reads fixed names from <ComfyUI models dir>/liveportrait (start_pack_server's models_base)
    "liveportrait": PackModels(
        "liveportrait",
        {
            **{
                role: f"liveportrait/{role}.safetensors"
                for role in (
                    "appearance_feature_extractor",
                    "motion_extractor",
                    "warping_module",
                    "spade_generator",
                    "stitching_retargeting_module",
                )
            },
            "landmark": "liveportrait/landmark.onnx",
        },
        ("ComfyUI-LivePortraitKJ",),
    ),
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


BUILDERS = Path(__file__).resolve().parent / "pack_builders"  # build_<what>.py, run by run.py in ComfyUI's venv


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
                str(BUILDERS / "run.py"),
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


def start_pack_server(
    what: str,
    packs: tuple[str, ...],
    packs_root: Path,
    workdir: Path,
    timeouts,
    also: tuple[str, ...] = (),
    models_base: bool = False,
):
    """A started ManagedComfyUI (stock ComfyUI, --cpu) with the named packs and the tiny `what` (and `also`) models.

    models_base: the tiny `what` files are also ComfyUI's own models folder (--base-directory), for a pack that reads
    fixed paths under folder_paths.models_dir instead of a model folder list."""
    from app.comfy import ManagedComfyUI
    from app.config import LaunchConfig

    from .family_fixtures import TEST_NODES
    from .launch import REPO_ROOT, torchvision_shim_env

    paths, env = {}, {}
    for kind in (what, *also):
        models = pack_models_dir(kind, packs_root)
        own = {folder for _, folder in MODELS[kind].env}  # read by a pack through its variable, not by ComfyUI
        folders = sorted({relative.split("/", 1)[0] for relative in MODELS[kind].files.values()} - own)
        paths[f"inkframe_tiny_{kind}"] = {"base_path": str(models), **{f: f for f in folders}}
        env.update({variable: str(models / folder) for variable, folder in MODELS[kind].env})
    extra = workdir / f"inkframe_tiny_{what}.yaml"
    extra.write_text(yaml.safe_dump(paths), encoding="utf-8")
    comfy_path, python = comfy_env()
    base = []
    if models_base:
        (workdir / "comfyui_base" / "custom_nodes").mkdir(parents=True, exist_ok=True)  # listed at startup
        if not (workdir / "comfyui_base" / "models").exists():
            (workdir / "comfyui_base" / "models").symlink_to(
                pack_models_dir(what, packs_root), target_is_directory=True
            )
        base = ["--base-directory", str(workdir / "comfyui_base")]
    launch = LaunchConfig(
        path=comfy_path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra), *base],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=timeouts,
        data_dir=workdir,
        extra_custom_nodes=[TEST_NODES, custom_nodes_dir(packs_root, packs, workdir)],
        env={
            **torchvision_shim_env(python, workdir),
            **env,
            "HF_HUB_OFFLINE": "1",  # a pack that looks for a file it lacks fails at once instead of downloading
        },
    )
    server.start()
    return server
