"""A stock ComfyUI for the face built-ins (faceswap_image, faceswap_video, upscale_face_restore): Inkframe's own node
pack (always loaded from the repository), the packs a test names, and tiny models placed in the server's own models
folder under the test's work folder (`--base-directory`: ReActor reads only ComfyUI's main models folder, never the
extra model paths, and creates folders there).

Face swap models: the insightface-signature stand-ins of tests/modelkit.py (ArcFace-shaped recognition, an
inswapper-shaped swapper with its `emap`, a random GFPGANv1Clean) at the folders of models/manifest.yaml, listed in a
test manifest with their own sha256 that the node reads through the studio's `faceswap.manifest` setting
(INKFRAME__FACESWAP__MANIFEST in the server's environment); the manifest's real entries keep the real checksums.
No det_10g.onnx is placed: the node falls back to mediapipe's BlazeFace, which ships inside the mediapipe wheel (real
weights), so the faces of scikit-image's astronaut photo are really found.

Nothing may reach the network: the server runs with HF_HUB_OFFLINE=1 and its HTTP(S) proxy set to a closed local port,
so a download attempted anyway fails at once (the run fails) instead of hanging.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from app.comfy import ManagedComfyUI
from app.config import LaunchConfig, Timeouts

from .family_fixtures import comfy_env
from .launch import REPO_ROOT, torchvision_shim_env

MANIFEST = REPO_ROOT / "models" / "manifest.yaml"
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HTTP_PROXY": "http://127.0.0.1:9",  # the discard port: nothing listens, a download fails immediately
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}
# What the face nodes import inside ComfyUI (custom_nodes/inkframe_nodes/requirements.txt); docs/testing.md says how.
FACE_IMPORTS = ("insightface", "onnxruntime", "gfpgan", "basicsr", "facexlib", "nudenet", "mediapipe", "skimage")


def missing_modules(python: Path, modules: tuple[str, ...]) -> list[str]:
    """The modules of `modules` that `python` cannot find (without importing them)."""
    code = "import importlib.util, sys\nprint(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
    done = subprocess.run([str(python), "-c", code, *modules], capture_output=True, text=True, timeout=120, check=False)
    return done.stdout.split() if done.returncode == 0 else list(modules)


def manifest_folders() -> dict[str, str]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {entry["name"]: entry["folder"] for entry in data["models"]}


def place(models: Path, folder: str, name: str, built: Path) -> Path:
    """Link a built file into the server's models folder at `folder/name`."""
    target = models / folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(built)
    return target


def place_faceswap_models(base: Path) -> Path:
    """The face-swap stand-ins under base/models at the manifest's folders; returns the test manifest listing them."""
    from app.faceswap import sha256_of
    from tests.modelkit import build_arcface, build_gfpgan, build_inswapper

    folders = manifest_folders()
    built = {
        "w600k_r50.onnx": build_arcface(),
        "inswapper_128.onnx": build_inswapper(),
        "GFPGANv1.4.pth": build_gfpgan(),
    }
    entries = []
    for name, path in built.items():
        place(base / "models", folders[name], name, path)
        entries.append(
            {
                "name": name,
                "folder": folders[name],
                "url": f"https://example.invalid/{name}",
                "sha256": sha256_of(path),
                "size": path.stat().st_size,
                "licence": "random-weight test stand-in",
            }
        )
    entries.append({"name": "det_10g.onnx", "folder": folders["det_10g.onnx"], "url": "https://example.invalid/det"})
    manifest = base / "faceswap_manifest.yaml"
    manifest.write_text(yaml.safe_dump({"models": entries}, sort_keys=False), encoding="utf-8")
    return manifest


def start_face_server(
    workdir: Path,
    timeouts: Timeouts,
    *,
    packs: Path | None = None,
    env: dict[str, str] | None = None,
) -> ManagedComfyUI:
    """A started stock ComfyUI (--cpu) whose base directory is workdir/base (models, custom_nodes, input...);
    `packs` is a folder of pack links to load besides Inkframe's own node pack."""
    comfy_path, python = comfy_env()
    base = workdir / "base"
    for folder in ("models", "custom_nodes"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    launch = LaunchConfig(
        path=comfy_path,
        python=python,
        extra_args=["--cpu", "--base-directory", str(base)],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=timeouts,
        data_dir=workdir,
        extra_custom_nodes=[packs] if packs else [],
        env={**torchvision_shim_env(python, workdir), **OFFLINE_ENV, **(env or {})},
    )
    server.start()
    return server


REACTOR = "ComfyUI-ReActor"
REACTOR_IMPORTS = ("segment_anything", "onnxruntime", "scipy", "cv2", "transformers", "torchvision")


def reactor_pack_folder(checkout: Path, workdir: Path) -> Path:
    """A packs folder holding ReActor as a folder of links to its checkout, with its own copy of `__init__.py`.

    ReActor's facexlib copy keeps its detector and parser weights in `<pack>/../../models/facedetection` (the
    ComfyUI models folder of a normal install), computed from where Python imports the pack; the copied
    `__init__.py` makes that workdir/models/facedetection instead of a folder beside the shared checkout."""
    folder = workdir / "packs" / REACTOR
    folder.mkdir(parents=True, exist_ok=True)
    for child in checkout.iterdir():
        if child.name in (".git", "__init__.py") or (folder / child.name).exists():
            continue
        (folder / child.name).symlink_to(child, target_is_directory=child.is_dir())
    (folder / "__init__.py").write_bytes((checkout / "__init__.py").read_bytes())
    return folder.parent


def place_face_restore_models(built: Path, workdir: Path) -> None:
    """The upscale_face_restore files where ComfyUI and ReActor look for them (see reactor_pack_folder)."""
    from tests.modelkit import build_gfpgan

    models = workdir / "base" / "models"
    place(models, "upscale_models", "RealESRGAN_x4plus.pth", built / "upscale_models" / "RealESRGAN_x4plus.pth")
    place(models, "facerestore_models", "GFPGANv1.4.pth", build_gfpgan())
    for name in ("detection_Resnet50_Final.pth", "parsing_parsenet.pth"):
        place(workdir / "models", "facedetection", name, built / "facedetection" / name)


NMS_KERNEL = """

# Inkframe test addition (tests/integration/faceswap_fixtures.py): a CPU kernel for torchvision::nms in plain torch
# (greedy, boxes x1 y1 x2 y2, indices by decreasing score: the contract of torchvision's C++ kernel), for packs that
# call torchvision.ops.nms on a machine where torchvision's compiled ops cannot load next to the CPU torch.
def _inkframe_nms(dets, scores, iou_threshold):
    import torch

    order = scores.argsort(descending=True)
    x1, y1, x2, y2 = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    suppressed = torch.zeros(dets.shape[0], dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        w = (torch.minimum(x2[i], x2) - torch.maximum(x1[i], x1)).clamp(min=0)
        h = (torch.minimum(y2[i], y2) - torch.maximum(y1[i], y1)).clamp(min=0)
        inter = w * h
        suppressed |= inter / (areas[i] + areas - inter) > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


class _InkframeNmsKernel:
    def find_spec(self, name, path=None, target=None):
        if name == "torchvision.ops":  # torchvision.extension is loaded and the nms schema declared by now
            sys.meta_path.remove(self)
            import torch

            extension = sys.modules["torchvision.extension"]
            if not extension._has_ops():
                library = torch.library.Library("torchvision", "IMPL")
                library.impl("nms", _inkframe_nms, "CPU")
                sys.modules["_inkframe_torchvision_nms"] = library
                # torchvision.ops checks for its compiled ops before each call; the other ops, still missing,
                # then fail naming the operator instead
                extension._assert_has_ops = lambda: None
        return None


sys.meta_path.insert(0, _InkframeNmsKernel())
"""


def nms_kernel_env(python: Path, workdir: Path) -> dict[str, str]:
    """{} when torchvision's ops load in `python`; else a PYTHONPATH whose sitecustomize is the studio's schema shim
    (app/comfy/torch_shim.py) plus a plain-torch CPU kernel for torchvision::nms (test-only, docs/testing.md)."""
    from app.comfy.torch_shim import SHIM, needs_shim

    if not needs_shim(python):
        return {}
    folder = workdir / "torchvision_nms_shim"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SHIM + NMS_KERNEL, encoding="utf-8")
    return {"PYTHONPATH": str(folder)}
