"""Parameter schema (declared nodes, auto-binding) and `name=value` / `NODE.INPUT=VALUE` assignments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.workflows import WorkflowError, apply_overrides, load_workflow, parameter_schema, to_api
from app.workflows.model import Workflow
from app.workflows.parameters import auto_parameters

REPO = Path(__file__).resolve().parents[2]

AUTO = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 5,
            "steps": 20,
            "cfg": 7.5,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1.0,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
}


def api_workflow(prompt: dict) -> Workflow:
    return Workflow(name="t", path=None, format="api", raw=prompt)


def test_auto_binding_like_swarmui() -> None:
    schema = parameter_schema(api_workflow(AUTO))
    assert [(p.name, p.node_id, p.input, p.default) for p in schema] == [
        ("prompt", "6", "text", "a cat"),
        ("negative_prompt", "7", "text", "blurry"),
        ("seed", "3", "seed", 5),
        ("steps", "3", "steps", 20),
        ("cfg", "3", "cfg", 7.5),
        ("width", "5", "width", 512),
        ("height", "5", "height", 768),
        ("checkpoint", "4", "ckpt_name", "v1-5-pruned-emaonly.safetensors"),
    ]
    assert not any(p.declared for p in schema)


def test_declared_parameters_of_a_library_workflow() -> None:
    workflow = load_workflow(REPO / "workflows" / "img2img_restyle.json")
    names = {p.name: p for p in workflow.parameters}
    assert {"prompt", "seed", "steps", "cfg", "width", "height", "image", "restyle_strength", "checkpoint"} <= set(
        names
    )
    strength = names["restyle_strength"]
    assert (strength.kind, strength.minimum, strength.maximum, strength.default, strength.group) == (
        "float",
        0.05,
        1.0,
        0.6,
        "Input",
    )
    assert parameter_schema(workflow) == list(workflow.parameters)


def test_overrides_by_name_and_by_node_input() -> None:
    schema = auto_parameters(AUTO)
    out = apply_overrides(
        AUTO, ["prompt=a dog", "steps=30", "cfg=6", "5.batch_size=4", "3.sampler_name=dpmpp_2m"], schema
    )
    assert (
        out["6"]["inputs"]["text"] == "a dog" and out["3"]["inputs"]["steps"] == 30 and out["3"]["inputs"]["cfg"] == 6.0
    )
    assert out["5"]["inputs"]["batch_size"] == 4 and out["3"]["inputs"]["sampler_name"] == "dpmpp_2m"
    assert AUTO["6"]["inputs"]["text"] == "a cat"  # the input prompt is not modified
    assert apply_overrides(AUTO, {"seed": 9}, schema)["3"]["inputs"]["seed"] == 9


def test_unknown_name_lists_the_existing_ones() -> None:
    with pytest.raises(WorkflowError) as err:
        apply_overrides(AUTO, ["sampler=euler"], auto_parameters(AUTO))
    assert str(err.value) == (
        "Parameter 'sampler' does not exist; this workflow has: "
        "cfg, checkpoint, height, negative_prompt, prompt, seed, steps, width."
    )


def test_wrong_types_and_ranges_are_sentences() -> None:
    schema = auto_parameters(AUTO)
    with pytest.raises(WorkflowError) as err:
        apply_overrides(AUTO, ["steps=many"], schema)
    assert str(err.value) == "Parameter 'steps' needs an integer, not 'many'."
    with pytest.raises(WorkflowError) as err:
        apply_overrides(AUTO, ["3.steps=2.5"], schema)
    assert str(err.value) == "Input 3.steps needs an integer, not '2.5'."
    with pytest.raises(WorkflowError) as err:
        apply_overrides(AUTO, ["noequals"], schema)
    assert str(err.value) == "Assignment 'noequals' is not of the form name=value or NODE_ID.INPUT=VALUE."
    workflow = load_workflow(REPO / "workflows" / "img2img_restyle.json")
    prompt = to_api(workflow, {})
    with pytest.raises(WorkflowError) as err:
        apply_overrides(prompt, ["restyle_strength=1.5"], list(workflow.parameters))
    assert str(err.value) == "Parameter 'restyle_strength' must be between 0.05 and 1.0, not 1.5."


def test_choice_and_boolean_coercion() -> None:
    workflow = load_workflow(REPO / "workflows" / "pose_extraction.json")
    schema = list(workflow.parameters)
    prompt = json.loads(json.dumps(to_api(workflow, {})))  # converted without object_info: params still resolve
    node = next(p for p in schema if p.name == "detect_hands")
    assert node.choices == ("enable", "disable")
    with pytest.raises(WorkflowError) as err:
        apply_overrides(prompt, ["detect_hands=maybe"], schema)
    assert str(err.value) == "Parameter 'detect_hands' must be one of enable, disable, not 'maybe'."
    portrait = load_workflow(REPO / "workflows" / "portrait_animation.json")
    out = apply_overrides(to_api(portrait, {}), ["lip_zero=yes"], list(portrait.parameters))
    lip = next(p for p in portrait.parameters if p.name == "lip_zero")
    ((target, name),) = lip.targets  # a Primitive node: the value goes into the widget it feeds
    assert out[target]["inputs"][name] is True and name == "lip_zero"


def test_parameter_of_bypassed_nodes_is_inactive_and_refuses_a_value() -> None:
    workflow = load_workflow(REPO / "workflows" / "panel.json")
    params = {p.name: p for p in workflow.parameters}
    assert not params["lora"].active and not params["reference_image"].active and params["prompt"].active
    with pytest.raises(WorkflowError) as err:
        apply_overrides(to_api(workflow, {}), ["lora=ink.safetensors"], list(workflow.parameters))
    assert str(err.value) == (
        "Parameter 'lora' only feeds nodes that are bypassed or muted in this workflow; "
        "enable them in ComfyUI (select, Ctrl+B) and save it to use this parameter."
    )
