"""The one place that makes torchvision (and gfpgan/basicsr on top of it) importable with PyPI's CPU torch.

- torchvision 0.28's `_meta_registrations` registers fake kernels for its C++ ops `nms`/`qnms`; when the
  compiled extension cannot load against this torch build the ops do not exist and importing torchvision
  fails with "operator torchvision::nms does not exist". Only then are the op schemas declared and the
  import retried (the ops stay unimplemented; gfpgan's aligned path never calls them). A torchvision whose
  extension loads is left untouched.
- basicsr 1.4.2 imports `torchvision.transforms.functional_tensor`, removed from torchvision; a shim module
  exposing `rgb_to_grayscale` from its new home stands in.

Applied lazily, never at import: `ensure_torchvision_importable()` before anything that may import
torchvision (transformers does), `ensure_gfpgan_importable()` before gfpgan / basicsr.
"""

from __future__ import annotations

import sys
import threading
import types

_LOCK = threading.Lock()
_DONE = False

_TORCHVISION_SCHEMAS = {
    "nms": "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}


def _import_torchvision() -> None:
    """Import torchvision; when its compiled ops are missing, declare their schemas and import again."""
    try:
        import torchvision  # noqa: F401

        return
    except RuntimeError as exc:
        if "torchvision::" not in str(exc):
            raise
    import torch

    for module in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[module]
    for name, schema in _TORCHVISION_SCHEMAS.items():
        try:
            torch.library.define(f"torchvision::{name}", schema)
        except RuntimeError:
            pass  # already declared
    import torchvision  # noqa: F401,F811


def _install_functional_tensor_shim() -> None:
    name = "torchvision.transforms.functional_tensor"
    if name in sys.modules:
        return
    try:
        __import__(name)
        return
    except ImportError:
        pass
    from torchvision.transforms import functional

    shim = types.ModuleType(name)
    shim.rgb_to_grayscale = functional.rgb_to_grayscale  # type: ignore[attr-defined]
    sys.modules[name] = shim


def ensure_torchvision_importable() -> None:
    """Idempotent; call before code that imports torchvision (or returns quietly when it is not installed)."""
    with _LOCK:
        try:
            _import_torchvision()
        except ImportError:
            pass  # no torchvision at all: nothing to fix


def ensure_gfpgan_importable() -> None:
    """Idempotent; call right before `import gfpgan` / `import basicsr`."""
    global _DONE
    with _LOCK:
        if _DONE:
            return
        _import_torchvision()
        _install_functional_tensor_shim()
        _DONE = True
