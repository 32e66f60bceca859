"""Parameter and output-marker nodes, called directly (no ComfyUI)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "custom_nodes")) if str(REPO / "custom_nodes") not in sys.path else None

from inkframe_nodes.nodes import params  # noqa: E402

COMMON = {"label": "", "description": "", "group": "", "order": 0, "advanced": False}


def run(node_type: str, **inputs):
    return params.NODE_CLASS_MAPPINGS[node_type]().run(**{**COMMON, **inputs})


def test_every_param_kind_has_a_node() -> None:
    expected = {
        "InkframeText",
        "InkframeMultilineText",
        "InkframeInt",
        "InkframeFloat",
        "InkframeSeed",
        "InkframeBoolean",
        "InkframeChoice",
        "InkframeImage",
        "InkframeMask",
        "InkframeVideo",
        "InkframeModel",
        "InkframeLora",
        "InkframeOutputImage",
    }
    assert expected <= set(params.NODE_CLASS_MAPPINGS)


@pytest.mark.parametrize("node_type", sorted(set(params.NODE_CLASS_MAPPINGS) - {"InkframeOutputImage"}))
def test_inputs_carry_the_parameter_fields(node_type: str) -> None:
    required = params.NODE_CLASS_MAPPINGS[node_type].INPUT_TYPES()["required"]
    assert {"name", "label", "description", "group", "order", "advanced"} <= set(required)


def test_values_pass_through() -> None:
    assert run("InkframeInt", name="steps", value=7, min=1, max=10, step=1) == (7,)
    assert run("InkframeFloat", name="cfg", value=6.5, min=1.0, max=12.0, step=0.5) == (6.5,)
    assert run("InkframeText", name="prompt", value="a cat") == ("a cat",)
    assert run("InkframeBoolean", name="hires", value=True) == (True,)
    assert run("InkframeSeed", name="seed", value=42) == (42,)
    assert run("InkframeChoice", name="style", value="ink", choices="ink\nwatercolor") == ("ink",)


def test_out_of_range_and_bad_choice_raise_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"^Parameter 'steps' is 11, outside 1..10.$"):
        run("InkframeInt", name="steps", value=11, min=1, max=10, step=1)
    with pytest.raises(ValueError, match=r"^Parameter 'style' is 'oil', which is not one of: ink, watercolor.$"):
        run("InkframeChoice", name="style", value="oil", choices="ink\nwatercolor")


def test_any_type_matches_every_input_type() -> None:
    assert not (params.ANY != "COMBO") and not (params.ANY != ["a.safetensors"])


def test_image_node_loads_rgba_with_mask(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "face.png"
    Image.new("RGBA", (8, 6), (255, 0, 0, 0)).save(path)
    image, mask = run("InkframeImage", name="face", image=str(path))
    assert tuple(image.shape) == (1, 6, 8, 3) and float(image[0, 0, 0, 0]) == 1.0
    assert tuple(mask.shape) == (1, 6, 8) and float(mask.max()) == 1.0
    (only_mask,) = run("InkframeMask", name="m", image=str(path), channel="red")
    assert float(only_mask.min()) == 1.0


def test_missing_image_is_one_sentence() -> None:
    with pytest.raises(
        FileNotFoundError, match="^Image 'nope.png' is not in ComfyUI's input folder; upload it first.$"
    ):
        run("InkframeImage", name="face", image="nope.png")


def test_pyproject_is_ready_for_the_registry() -> None:
    data = tomllib.loads((REPO / "custom_nodes/inkframe_nodes/pyproject.toml").read_text())
    assert {"name", "version", "description", "license", "dependencies"} <= set(data["project"])
    assert data["tool"]["comfy"]["PublisherId"] and data["tool"]["comfy"]["DisplayName"]


def test_requirements_txt_matches_pyproject() -> None:
    data = tomllib.loads((REPO / "custom_nodes/inkframe_nodes/pyproject.toml").read_text())
    lines = [
        ln.strip()
        for ln in (REPO / "custom_nodes/inkframe_nodes/requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines == data["project"]["dependencies"]
