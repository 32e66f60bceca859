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
