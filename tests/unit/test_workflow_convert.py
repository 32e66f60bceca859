"""UI->API conversion rules on small graphs (the golden pairs are in tests/contract/test_conversions.py)."""

from __future__ import annotations

import random

import pytest

from app.workflows import WorkflowError, to_api
from app.workflows.convert import to_api_prompt
from app.workflows.dynamic_prompts import process_dynamic_prompt

from .workflow_nodes import CORE_INFO, node

INFO = {
    **CORE_INFO,
    "Seeded": {
        "input": {
            "required": {"seed": ["INT", {}], "text": ["STRING", {"dynamicPrompts": True}], "tags": [["a", "b"], {}]}
        },
        "output": ["INT"],
        "display_name": "Seeded",
    },
}


def chain(invert_mode: int) -> dict:
    return {
        "nodes": [
            node(1, "EmptyImage", [64, 32, 1, 0], outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [1]}]),
            node(
                2,
                "ImageInvert",
                inputs=[{"name": "image", "type": "IMAGE", "link": 1}],
                outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [2]}],
                mode=invert_mode,
            ),
            node(3, "SaveImage", ["out"], inputs=[{"name": "images", "type": "IMAGE", "link": 2}]),
        ],
        "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
    }


def test_plain_chain_with_titles() -> None:
    api = to_api(chain(0), INFO)
    assert api == {
        "1": {
            "inputs": {"width": 64, "height": 32, "batch_size": 1, "color": 0},
            "class_type": "EmptyImage",
            "_meta": {"title": "EmptyImage"},
        },
        "2": {"inputs": {"image": ["1", 0]}, "class_type": "ImageInvert", "_meta": {"title": "Invert Image"}},
        "3": {
            "inputs": {"filename_prefix": "out", "images": ["2", 0]},
            "class_type": "SaveImage",
            "_meta": {"title": "Save Image"},
        },
    }


def test_bypassed_node_passes_its_matching_input_through() -> None:
    api = to_api(chain(4), INFO)
    assert "2" not in api and api["3"]["inputs"]["images"] == ["1", 0]


def test_muted_node_is_dropped_with_the_inputs_that_used_it() -> None:
    api = to_api(chain(2), INFO)
    assert "2" not in api and "images" not in api["3"]["inputs"]


def test_reroute_and_primitive() -> None:
    workflow = {
        "nodes": [
            node(
                1,
                "EmptyImage",
                [64, 32, 1, 0],
                inputs=[{"name": "width", "type": "INT", "widget": {"name": "width"}, "link": 3}],
                outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [1]}],
            ),
            node(
                2,
                "Reroute",
                inputs=[{"name": "", "type": "*", "link": 1}],
                outputs=[{"name": "", "type": "IMAGE", "links": [2]}],
            ),
            node(3, "SaveImage", ["out"], inputs=[{"name": "images", "type": "IMAGE", "link": 2}]),
            node(
                4,
                "PrimitiveNode",
                [640, "fixed"],
                outputs=[{"name": "INT", "type": "INT", "widget": {"name": "width"}, "links": [3]}],
            ),
        ],
        "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"], [3, 4, 0, 1, 0, "INT"]],
    }
    api = to_api(workflow, INFO)
    assert set(api) == {"1", "3"}
    assert api["1"]["inputs"]["width"] == 640 and api["3"]["inputs"]["images"] == ["1", 0]


def test_control_widget_dropped_and_dynamic_prompt_and_array_value() -> None:
    workflow = {"nodes": [node(1, "Seeded", [5, "randomize", "{red|red} cat // comment", ["a", "b"]])], "links": []}
    api = to_api(workflow, INFO)
    assert api["1"]["inputs"] == {"seed": 5, "text": "red cat ", "tags": {"__value__": ["a", "b"]}}


def test_widget_count_mismatch_is_one_sentence_in_strict_mode() -> None:
    workflow = {"nodes": [node(7, "EmptyImage", [64, 32])], "links": []}
    with pytest.raises(WorkflowError) as err:
        to_api(workflow, INFO, strict=True)
    assert str(err.value) == (
        "Node 7 (EmptyImage) has 2 widget values but its inputs need 4 (width, height, batch_size, color); "
        "the node pack version differs from the one that saved the workflow."
    )
    assert to_api(workflow, INFO)["7"]["inputs"] == {"width": 64, "height": 32, "batch_size": 1, "color": 0}


def test_link_to_missing_node_and_missing_link_are_sentences() -> None:
    workflow = chain(0)
    workflow["links"][0] = [1, 9, 0, 2, 0, "IMAGE"]
    with pytest.raises(WorkflowError) as err:
        to_api_prompt(workflow, INFO)
    assert (
        str(err.value) == "Node 2 (ImageInvert) input 'image' is linked to node 9, which the workflow does not contain."
    )
    workflow = chain(0)
    workflow["links"].pop(0)
    with pytest.raises(WorkflowError) as err:  # frontend 1.27's graphToPrompt fails on it
        to_api_prompt(workflow, INFO, frontend_version="1.27.10")
    assert str(err.value) == "Node 2 (ImageInvert) input 'image' uses link 1, which the workflow does not contain."
    assert "image" not in to_api_prompt(workflow, INFO, frontend_version="1.58.1")["2"]["inputs"]  # 1.58: unconnected


def test_unknown_node_type_becomes_frontend_placeholder() -> None:
    workflow = {"nodes": [node(1, "NoSuchNode", ["a", None, 2, {"k": 1}])], "links": []}
    assert to_api_prompt(workflow, INFO, frontend_version="1.27.10") == {
        "1": {"inputs": {"UNKNOWN": '{"k":1}'}, "_meta": {}}
    }
    assert to_api_prompt(workflow, INFO, frontend_version="1.58.1") == {
        "1": {
            "inputs": {"UNKNOWN": "a", "UNKNOWN_1": "null", "UNKNOWN_2": 2, "UNKNOWN_3": '{"k":1}'},
            "_meta": {"title": ""},
        }
    }
    assert to_api(workflow, INFO, purpose="display", frontend_version="1.27.10")["1"]["_meta"] == {
        "missing_node_type": "NoSuchNode"
    }


def test_api_format_is_accepted_as_is() -> None:
    prompt = {"1": {"class_type": "EmptyImage", "inputs": {"width": 8}}}
    assert to_api(prompt, INFO) == prompt


def test_dynamic_prompt_rules() -> None:
    assert process_dynamic_prompt("a /* x */b // c\nd") == "a b \nd"
    assert process_dynamic_prompt(r"\{literal\} {x|{y|y}}", random.Random(1)) in ("{literal} x", "{literal} y")
