"""Start a ComfyUI for tests and benchmarks: `managed_comfyui_from_env()`.

Machine workaround, applied only when needed and said out loud: PyPI's torchvision wheel is a CUDA
build; next to a CPU-only torch its compiled ops cannot load and `import torchvision` fails while
registering fake kernels for `torchvision::nms` (ComfyUI imports torchvision at start). When the
ComfyUI python shows exactly that failure, the child gets the app's `sitecustomize.py` shim
(app/comfy/torch_shim.py; through PYTHONPATH, in a temp dir, never in ComfyUI's tree) that declares
the two op schemas first, so the import works; the ops stay unimplemented and core nodes never call them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.comfy import ManagedComfyUI
from app.comfy.torch_shim import shim_env
from app.config import LaunchConfig, Timeouts

REPO_ROOT = Path(__file__).resolve().parents[2]


def torchvision_shim_env(python: Path, workdir: Path) -> dict[str, str]:
    """{} when `python` imports torchvision; a PYTHONPATH with the app's own shim when it fails the known way
    (the same workaround the studio applies to the ComfyUI it starts: app.comfy.torch_shim)."""
    return shim_env(python, workdir)


def managed_comfyui_from_env(
    workdir: Path,
    timeouts: Timeouts,
    *,
    extra_custom_nodes: Sequence[Path] = (),
    restart_on_exit: bool = False,
    max_restarts: int = 0,
) -> ManagedComfyUI | None:
    """A (not yet started) ManagedComfyUI for $COMFYUI_PATH (+$COMFYUI_PYTHON) with --cpu, or None."""
    path = os.environ.get("COMFYUI_PATH")
    if not path:
        return None
    python = Path(os.environ.get("COMFYUI_PYTHON", sys.executable))
    launch = LaunchConfig(
        path=Path(path), python=python, extra_args=["--cpu"], restart_on_exit=restart_on_exit, max_restarts=max_restarts
    )
    return ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=timeouts,
        data_dir=workdir,
        extra_custom_nodes=extra_custom_nodes,
        env=torchvision_shim_env(python, workdir),
    )
