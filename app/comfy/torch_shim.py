"""Start-up workaround for a ComfyUI whose torchvision cannot load its compiled ops (PyPI's torchvision
wheel next to a CPU-only torch): `import torchvision` then fails with "operator torchvision::nms does not
exist", and ComfyUI imports torchvision at start. Only when that exact failure shows, the child gets a
`sitecustomize.py` (on PYTHONPATH, in the app's data dir, never in ComfyUI's tree) that declares the two
op schemas before torchvision loads; the ops stay unimplemented and core nodes never call them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 300
SHIM = '''\
"""Inkframe shim: declare torchvision's nms/qnms schemas just before torchvision is imported."""
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
_NEEDS: dict[str, bool] = {}
_LOCK = threading.Lock()


def needs_shim(python: Path) -> bool:
    """Whether `python` fails to import torchvision the known way (asked once per interpreter)."""
    key = str(python)
    with _LOCK:
        if key in _NEEDS:
            return _NEEDS[key]
    try:
        probe = subprocess.run(
            [key, "-c", "import torchvision"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
        )
        needed = probe.returncode != 0 and "torchvision::nms" in probe.stderr
    except (OSError, subprocess.TimeoutExpired):
        needed = False  # ComfyUI's own start-up reports what is wrong
    with _LOCK:
        _NEEDS[key] = needed
    return needed


def shim_env(python: Path, workdir: Path) -> dict[str, str]:
    """{} when `python` imports torchvision; else a PYTHONPATH that puts the shim first."""
    if not needs_shim(python):
        return {}
    folder = workdir / "torchvision_shim"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    log.warning(
        "%s: torchvision cannot load its ops next to this torch; ComfyUI starts with a schema shim (%s)", python, folder
    )
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH", "")]))}
