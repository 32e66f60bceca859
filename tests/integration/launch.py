"""Start a ComfyUI for tests and benchmarks: `managed_comfyui_from_env()`.

Machine workaround, applied only when needed and said out loud: PyPI's torchvision wheel is a CUDA
build; next to a CPU-only torch its compiled ops cannot load and `import torchvision` fails while
registering fake kernels for `torchvision::nms` (ComfyUI imports torchvision at start). When the
ComfyUI python shows exactly that failure, the child gets a `sitecustomize.py` (through PYTHONPATH,
in a temp dir, never in ComfyUI's tree) that declares the two op schemas first, so the import works;
the ops stay unimplemented and core nodes never call them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Sequence

from app.comfy import ManagedComfyUI
from app.config import LaunchConfig, Timeouts

REPO_ROOT = Path(__file__).resolve().parents[2]
TORCHVISION_SHIM = '''\
"""Inkframe test shim: declare torchvision's nms/qnms schemas just before torchvision is imported."""
import sys


class _DeclareTorchvisionOps:
    def find_spec(self, name, path=None, target=None):
        if name == "torchvision":
            sys.meta_path.remove(self)
            import torch
            try:
                torch.ops.torchvision.nms
            except (AttributeError, RuntimeError):
                library = torch.library.Library("torchvision", "FRAGMENT")
                for op in ("nms", "qnms"):
                    library.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
                sys.modules["_inkframe_torchvision_fragment"] = library
        return None


sys.meta_path.insert(0, _DeclareTorchvisionOps())
'''


def torchvision_shim_env(python: Path, workdir: Path) -> dict[str, str]:
    """{} when `python` imports torchvision; a PYTHONPATH with the shim when it fails the known way."""
    probe = subprocess.run([str(python), "-c", "import torchvision"], capture_output=True, text=True, timeout=300)
    if probe.returncode == 0:
        return {}
    if "torchvision::nms" not in probe.stderr:
        return {}  # another problem: let ComfyUI's own start-up report it
    shim_dir = workdir / "torchvision_shim"
    shim_dir.mkdir(parents=True, exist_ok=True)
    (shim_dir / "sitecustomize.py").write_text(TORCHVISION_SHIM, encoding="utf-8")
    warnings.warn(f"{python}: torchvision cannot load its ops next to this torch; ComfyUI is started with a "
                  f"schema shim on PYTHONPATH ({shim_dir})", stacklevel=2)
    path = os.pathsep.join(filter(None, [str(shim_dir), os.environ.get("PYTHONPATH", "")]))
    return {"PYTHONPATH": path}


def managed_comfyui_from_env(workdir: Path, timeouts: Timeouts, *, extra_custom_nodes: Sequence[Path] = (),
                             restart_on_exit: bool = False, max_restarts: int = 0) -> ManagedComfyUI | None:
    """A (not yet started) ManagedComfyUI for $COMFYUI_PATH (+$COMFYUI_PYTHON) with --cpu, or None."""
    path = os.environ.get("COMFYUI_PATH")
    if not path:
        return None
    python = Path(os.environ.get("COMFYUI_PYTHON", sys.executable))
    launch = LaunchConfig(path=Path(path), python=python, extra_args=["--cpu"], restart_on_exit=restart_on_exit,
                          max_restarts=max_restarts)
    return ManagedComfyUI(launch, REPO_ROOT, timeouts=timeouts, data_dir=workdir,
                          extra_custom_nodes=extra_custom_nodes, env=torchvision_shim_env(python, workdir))
