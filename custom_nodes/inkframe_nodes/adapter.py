"""The one bridge between ComfyUI nodes and the project's pure libraries.

Inside ComfyUI's process the top-level name `app` belongs to ComfyUI itself, so the project's `app/`
folder is loaded under the private name `inkframe_app`, found by `find_app_dir` however the pack was
installed (extra_model_paths.yaml, a symlink, or a copy with $INKFRAME_HOME set); a folder that is not
the studio's (ComfyUI's own `app/` beside a copied pack) is never taken for it. The pure libraries use
relative imports only, which makes them importable under either name. Also converts between
ComfyUI IMAGE tensors (B, H, W, C float 0..1) and PIL images / numpy arrays.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ALIAS = "inkframe_app"
HOME_ENV = "INKFRAME_HOME"  # the Inkframe Studio folder, for a copy of the pack that does not sit inside it
PACK_DIR = Path(__file__).resolve().parent
# Files only Inkframe Studio's app/ has: ComfyUI's own top-level app/ never passes for it.
MARKERS = ("workflows/param_nodes.py", "comic/__init__.py", "errors.py")


class StudioNotFound(ImportError):
    """The pack was copied without the studio whose pure libraries its nodes call."""


def is_studio_app(folder: Path) -> bool:
    return all((folder / marker).is_file() for marker in MARKERS)


def find_app_dir() -> Path:
    """The studio's app/ folder: $INKFRAME_HOME/app, else the one beside the pack's real location (loaded through
    extra_model_paths.yaml or a symlink, the pack resolves into the studio); raises StudioNotFound with one sentence."""
    candidates = [Path(os.environ[HOME_ENV]).expanduser() / "app"] if os.environ.get(HOME_ENV) else []
    candidates.append(PACK_DIR.parents[1] / "app")
    for folder in candidates:
        if is_studio_app(folder):
            return folder.resolve()
    raise StudioNotFound(
        f"Inkframe Studio nodes at {PACK_DIR} cannot find Inkframe Studio's app/ folder "
        "(a copied pack does not carry it): "
        f"install Inkframe Studio and set {HOME_ENV} to its folder, or link the pack from it "
        "(`ln -s STUDIO/custom_nodes/inkframe_nodes ComfyUI/custom_nodes/` or "
        "`python scripts/download_models.py --extra-model-paths COMFYUI_DIR`)."
    )


def lib(name: str) -> ModuleType:
    """Import `app.<name>` of this project (e.g. lib("comic.layout")) under the private name `inkframe_app`,
    so ComfyUI's own `app` package is never shadowed nor used, and sys.path is never edited."""
    if ALIAS not in sys.modules:
        app_dir = find_app_dir()
        spec = importlib.util.spec_from_file_location(
            ALIAS, app_dir / "__init__.py", submodule_search_locations=[str(app_dir)]
        )
        if spec is None or spec.loader is None:
            raise StudioNotFound(f"Inkframe Studio nodes cannot load the studio's app/ folder at {app_dir}.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[ALIAS] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[ALIAS]
            raise
    return importlib.import_module(f"{ALIAS}.{name}")


def tensor_to_arrays(images: Any) -> list[np.ndarray]:
    """ComfyUI IMAGE (torch, B x H x W x C, 0..1) -> list of uint8 H x W x C arrays."""
    array = images.detach().cpu().numpy() if hasattr(images, "detach") else np.asarray(images)
    if array.ndim == 3:
        array = array[None]
    return [np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8) for frame in array]


def arrays_to_tensor(frames: list[np.ndarray]) -> Any:
    """list of uint8 H x W x C (RGB or RGBA -> RGB) arrays -> ComfyUI IMAGE tensor."""
    import torch

    stacked = np.stack([np.asarray(f)[..., :3] for f in frames]).astype(np.float32) / 255.0
    return torch.from_numpy(stacked)


def tensor_to_pil(images: Any) -> list[Any]:
    from PIL import Image

    return [Image.fromarray(frame) for frame in tensor_to_arrays(images)]


def pil_to_tensor(images: list[Any]) -> Any:
    return arrays_to_tensor([np.asarray(image.convert("RGB")) for image in images])
