"""Golden UI->API conversions made by ComfyUI's own frontend (graphToPrompt), replayed.

Every pair in ../shared/comfyui/conversions/ must convert identically (dict equality: the order of
keys is not significant to ComfyUI). For `incomplete` pairs (node types the recording server lacked),
those nodes appear without class_type and with the frontend's `UNKNOWN` placeholder widgets; the
converter reproduces that too, so they are compared in full as well.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.workflows.convert import to_api_prompt
from app.workflows.widgets import NodeSpecs
from tests.conftest import shared_path

CONVERSIONS = shared_path() / "comfyui" / "conversions"
PAIRS = sorted(CONVERSIONS.glob("*.json")) if CONVERSIONS.is_dir() else []


@pytest.fixture(scope="module")
def core_specs(object_info_core: dict) -> NodeSpecs:
    return NodeSpecs(object_info_core)


def test_pairs_are_present(comfy_shared: Path) -> None:
    assert len(PAIRS) >= 100


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_conversion_matches_frontend(path: Path, core_specs: NodeSpecs) -> None:
    pair = json.loads(path.read_text())
    got = to_api_prompt(pair["workflow"], core_specs, strict=False)
    assert got == pair["api"]
    if pair.get("incomplete"):
        without_class = sorted(k for k, v in got.items() if "class_type" not in v)
        assert without_class == sorted(pair["api_nodes_without_class_type"])
