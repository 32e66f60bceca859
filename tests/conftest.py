"""Fixtures shared by every test tier."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_path() -> Path:
    """The recorded ComfyUI data beside the repository (../shared), or $INKFRAME_SHARED."""
    return Path(os.environ.get("INKFRAME_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if not (path / "comfyui").is_dir():
        pytest.skip(
            f"recorded ComfyUI data not found at {path}/comfyui "
            "(set INKFRAME_SHARED or place ../shared beside the repo)"
        )
    return path


@pytest.fixture(scope="session")
def comfy_shared(shared_dir: Path) -> Path:
    return shared_dir / "comfyui"


@pytest.fixture(scope="session")
def object_info_core(comfy_shared: Path) -> dict:
    import json

    return json.loads((comfy_shared / "object_info.core.json").read_text())
