"""User workflows that carry parameters on Inkframe parameter nodes keep working on a backend without the node
pack: `to_api` resolves them app-side (values into the inputs they feed, image nodes into core LoadImage)."""

from __future__ import annotations

import json

import pytest

from app.workflows import WorkflowError, apply_overrides, parameter_schema, preflight, to_api
from app.workflows.builder import GraphBuilder
from app.workflows.model import Workflow
from app.workflows.param_nodes import inkframe_object_info, resolve_parameter_nodes
from app.workflows.widgets import NodeSpecs


def legacy_workflow(core: dict) -> Workflow:
    """A graph saved from ComfyUI with the Inkframe pack loaded: parameters on InkframeInt / InkframeImage nodes."""
    g = GraphBuilder(NodeSpecs({**core, **inkframe_object_info()}))
    width = g.node("InkframeInt", name="width", value=64, min=16, max=512, step=16, group="Size")
    image = g.node("InkframeImage", name="photo", image="cat.png")
    blank = g.node("EmptyImage", width=width[0], height=width[0], batch_size=1, color=0)
    g.node(
        "SaveImage",
        images=g.node("ImageBlend", image1=blank[0], image2=image[0], blend_factor=0.5, blend_mode="normal")[0],
        filename_prefix="legacy",
    )
    g.node(
        "SaveImage", images=g.node("InvertMask", mask=image[1])[0], filename_prefix="mask"
    )  # MASK output of the image parameter
    return Workflow(name="legacy", path=None, format="ui", raw=json.loads(json.dumps(g.build())))


def test_parameter_nodes_never_reach_the_backend(object_info_core: dict) -> None:
    workflow = legacy_workflow(object_info_core)
    prompt = to_api(workflow, object_info_core)  # a stock backend: no Inkframe node in its object_info
    assert not [n for n in prompt.values() if n["class_type"].startswith("Inkframe")]
    blank = next(n for n in prompt.values() if n["class_type"] == "EmptyImage")
    assert (blank["inputs"]["width"], blank["inputs"]["height"]) == (64, 64)
    loader = prompt["2"]
    assert loader["class_type"] == "LoadImage" and loader["inputs"] == {"image": "cat.png"}
    assert next(n for n in prompt.values() if n["class_type"] == "InvertMask")["inputs"]["mask"] == ["2", 1]
    schema = {p.name: p for p in parameter_schema(workflow, object_info_core)}
    assert schema["width"].targets == (("3", "width"), ("3", "height")) and schema["photo"].targets == (("2", "image"),)
    out = apply_overrides(prompt, ["width=48", "photo=dog.png"], list(schema.values()))
    assert (out["3"]["inputs"]["width"], out["3"]["inputs"]["height"], out["2"]["inputs"]["image"]) == (
        48,
        48,
        "dog.png",
    )
    with pytest.raises(WorkflowError, match=r"^Parameter 'width' must be between 16 and 512, not 8\.$"):
        apply_overrides(prompt, ["width=8"], list(schema.values()))
    by_node = apply_overrides(
        prompt, {"1.value": 8, "1.min": 8}, list(schema.values())
    )  # NODE.INPUT of the parameter node
    assert by_node["3"]["inputs"]["width"] == 8
    sentences = preflight(out, object_info_core).sentences()
    assert sentences == [
        "Node 2 (LoadImage) input 'image' names file 'dog.png', "
        "which is not in ComfyUI's input folder; upload it first."
    ]
    # the studio's uploads sit in a subfolder that an upload combo never lists; ComfyUI checks those itself
    for uploaded in ("inkframe/dog.png", "inkframe/dog.png [input]"):
        assert preflight(apply_overrides(prompt, [f"photo={uploaded}"], list(schema.values())), object_info_core).ok
    for outside in ("../dog.png", "/etc/passwd", "inkframe/../../dog.png", "dog.png [output]"):
        assert not preflight(apply_overrides(prompt, [f"photo={outside}"], list(schema.values())), object_info_core).ok


def test_api_prompts_and_chained_parameters_resolve() -> None:
    prompt = {
        "1": {"class_type": "InkframeInt", "inputs": {"name": "size", "value": 32}},
        "2": {"class_type": "InkframeInt", "inputs": {"name": "alias", "value": ["1", 0]}},
        "3": {
            "class_type": "EmptyImage",
            "inputs": {"width": ["2", 0], "height": ["1", 0], "batch_size": 1, "color": 0},
        },
        "4": {"class_type": "InkframeMask", "inputs": {"name": "m", "image": "m.png", "channel": "red"}},
        "5": {"class_type": "InvertMask", "inputs": {"mask": ["4", 0]}},
    }
    resolved = resolve_parameter_nodes(prompt)
    assert set(resolved) == {"3", "4", "5"}
    assert resolved["3"]["inputs"]["width"] == 32 and resolved["3"]["inputs"]["height"] == 32
    assert resolved["4"]["class_type"] == "LoadImageMask" and resolved["4"]["inputs"] == {
        "image": "m.png",
        "channel": "red",
    }
    assert to_api(prompt, {}) == resolved and prompt["3"]["inputs"]["width"] == ["2", 0]  # the input is not modified


def test_a_titled_primitive_is_a_parameter(object_info_core: dict) -> None:
    """What a ComfyUI user does: link a Primitive node to a widget and give it a title."""
    g = GraphBuilder(NodeSpecs(object_info_core))
    primitive = g.primitive(40, title="Canvas width")
    blank = g.node("EmptyImage", width=primitive[0], height=24, batch_size=1, color=0)
    g.node("SaveImage", images=blank[0], filename_prefix="p")
    raw = g.build()
    raw["nodes"][0]["properties"] = {}  # no Inkframe metadata at all
    workflow = Workflow(name="p", path=None, format="ui", raw=raw)
    [param] = parameter_schema(workflow, object_info_core)
    assert (param.name, param.kind, param.label, param.default, param.targets) == (
        "canvas_width",
        "int",
        "Canvas width",
        40,
        (("2", "width"),),
    )
    assert (
        apply_overrides(to_api(workflow, object_info_core), ["canvas_width=72"], [param])["2"]["inputs"]["width"] == 72
    )
