"""The one bridge between ComfyUI nodes and the project's pure libraries.

Inside ComfyUI's process the top-level name `app` belongs to ComfyUI itself, so the project's `app/`
folder is loaded lazily, on first use, under the alias `inkframe_app`. The pure libraries use
relative imports only, which makes them importable under either name. Also converts between
ComfyUI IMAGE tensors (B, H, W, C float 0..1) and PIL images / numpy arrays.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ALIAS = "inkframe_app"
APP_DIR = Path(__file__).resolve().parents[2] / "app"


def lib(name: str) -> ModuleType:
    """Import `app.<name>` of this project (e.g. lib("comic.layout")) without touching sys.path."""
    if ALIAS not in sys.modules:
        spec = importlib.util.spec_from_file_location(ALIAS, APP_DIR / "__init__.py", submodule_search_locations=[str(APP_DIR)])
        if spec is None or spec.loader is None:
            raise ImportError(f"Inkframe nodes cannot find the project's app/ folder at {APP_DIR}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[ALIAS] = module
        spec.loader.exec_module(module)
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
