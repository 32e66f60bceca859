"""Golden UI->API conversions made by ComfyUI's own frontend (graphToPrompt), replayed.

Two sets, each converted with the rules of the frontend that made it:
- ../shared/comfyui/conversions/ (frontend 1.27.10, 115 pairs): every pair converts identically;
- ../shared/comfyui/conversions-1.58/ (frontend 1.58.1, 56 pairs): every pair converts identically except the
  documented deviations in DEVIATIONS_1_58 (docs/workflows.md, "Where the app differs from the frontend"),
  where the test expects the app's result explicitly.
Dict equality: the order of keys is not significant to ComfyUI. For `incomplete` 1.27 pairs (node types the
recording server lacked) those nodes appear without class_type and with the frontend's `UNKNOWN` placeholder
widgets, which the display conversion reproduces too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.workflows.convert import to_api_prompt
from app.workflows.frontend import rules_for
from app.workflows.widgets import NodeSpecs
from tests.conftest import shared_path

CONVERSIONS = shared_path() / "comfyui" / "conversions"
CONVERSIONS_1_58 = shared_path() / "comfyui" / "conversions-1.58"
PAIRS = sorted(CONVERSIONS.glob("*.json")) if CONVERSIONS.is_dir() else []
PAIRS_1_58 = sorted(CONVERSIONS_1_58.glob("*.json")) if CONVERSIONS_1_58.is_dir() else []
NO_SHARED = pytest.mark.skipif(
    not CONVERSIONS.is_dir() or not CONVERSIONS_1_58.is_dir(),
    reason="../shared/comfyui/conversions*/ not present (recorded golden pairs)",
)

# template -> {node id: {input: the app's value}} where frontend 1.58.1's own output is wrong.
# 3d_hunyuan3d-v2.1: the workflow was saved with ModelSamplingAuraFlow's `sampling` widget, which ComfyUI 0.3.64
# lacks. 1.58 then builds 8 promoted widgets for the subgraph instance and fills them from the 9 saved values by
# position, shifting every value after `sampling` onto the next widget (steps="flow", cfg=30, ...). The app keeps
# each saved value on the widget it was saved for and leaves the undeclared `sampling` out.
DEVIATIONS_1_58: dict[str, dict[str, dict[str, Any]]] = {
    "3d_hunyuan3d-v2.1": {
        "19:1": {"ckpt_name": "hunyuan_3d_v2.1.safetensors"},
        "19:4": {"resolution": 4096},
        "19:7": {"steps": 30, "cfg": 5, "sampler_name": "euler", "scheduler": "normal"},
        "19:9": {"algorithm": "surface net", "threshold": 0.6},
    },
}


@pytest.fixture(scope="module")
def core_specs(object_info_core: dict) -> NodeSpecs:
    return NodeSpecs(object_info_core)


@NO_SHARED
def test_pairs_are_present(comfy_shared: Path) -> None:
    assert len(PAIRS) >= 100 and len(PAIRS_1_58) >= 56


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_conversion_matches_frontend_1_27(path: Path, core_specs: NodeSpecs) -> None:
    pair = json.loads(path.read_text())
    got = to_api_prompt(pair["workflow"], core_specs, strict=False, frontend_version="1.27.10")
    assert got == pair["api"]
    if pair.get("incomplete"):
        without_class = sorted(k for k, v in got.items() if "class_type" not in v)
        assert without_class == sorted(pair["api_nodes_without_class_type"])


@pytest.mark.parametrize("path", PAIRS_1_58, ids=[p.stem for p in PAIRS_1_58])
def test_conversion_matches_frontend_1_58(path: Path, core_specs: NodeSpecs) -> None:
    pair = json.loads(path.read_text())
    expected = copy.deepcopy(pair["api"])
    for node_id, values in DEVIATIONS_1_58.get(path.stem, {}).items():
        assert all(expected[node_id]["inputs"].get(k) != v for k, v in values.items()), (
            "the deviation no longer differs"
        )
        expected[node_id]["inputs"].update(values)
    got = to_api_prompt(pair["workflow"], core_specs, strict=False, frontend_version="1.58.1")
    assert got == expected
    # every input sent is declared by the node type or is a frontend extension's widget (SaveGLB `image`):
    # no `sampling` on 0.3.64's ModelSamplingAuraFlow
    for node_id, node in got.items():
        spec = core_specs.for_rules(rules_for("1.58.1")).get(node["class_type"])
        assert set(node["inputs"]) <= set(spec.by_name) | {w.name for w in spec.widgets if w.to_api}, node_id


def test_deviations_name_real_pairs() -> None:
    if not PAIRS_1_58:
        pytest.skip("../shared/comfyui/conversions-1.58/ not present")
    assert set(DEVIATIONS_1_58) <= {p.stem for p in PAIRS_1_58}


@NO_SHARED
def test_running_refuses_what_display_shows(core_specs: NodeSpecs) -> None:
    """An incomplete 1.27 pair (types the backend lacks): display gives the placeholders, running refuses."""
    from app.workflows import MissingNodeTypesError, ui_node_types

    pairs = [json.loads(p.read_text()) for p in PAIRS]
    incomplete = [p for p in pairs if p.get("api_nodes_without_class_type")]
    assert incomplete
    for pair in incomplete:
        assert to_api_prompt(pair["workflow"], core_specs, strict=False, frontend_version="1.27.10") == pair["api"]
        with pytest.raises(MissingNodeTypesError) as err:
            to_api_prompt(pair["workflow"], core_specs, strict=False, frontend_version="1.27.10", purpose="run")
        types = ui_node_types(pair["workflow"])
        assert set(err.value.node_types) == {types[k] for k in pair["api_nodes_without_class_type"]}
        assert all(t in str(err.value) for t in err.value.node_types) and str(err.value).endswith("to run it.")
