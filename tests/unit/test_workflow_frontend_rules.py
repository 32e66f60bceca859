"""Conversion rules that depend on the frontend version (1.27 vs 1.58), on small graphs.
The golden pairs of both frontends are in tests/contract/test_conversions.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.workflows import MissingNodeTypesError, WorkflowError, load_workflow, to_api
from app.workflows.convert import node_meta, to_api_prompt, ui_node_types
from app.workflows.frontend import DEFAULT_FRONTEND_VERSION, parse_version, rules_for
from app.workflows.missing import missing_types_sentence

from .workflow_nodes import CORE_INFO, node

INFO = {
    **CORE_INFO,
    "PreviewAny": {
        "input": {"required": {"source": ["*", {}]}},
        "output": [],
        "output_node": True,
        "display_name": "Preview Any",
    },
    "ImageBlend": {"input": {"required": {"image1": ["IMAGE", {}]}}, "output": ["IMAGE"], "display_name": None},
}
OLD, NEW = "1.27.10", "1.58.1"


def image_in(link):
    return {"name": "image", "type": "IMAGE", "link": link}


def image_out(*links):
    return {"name": "IMAGE", "type": "IMAGE", "links": list(links)}


def subgraph(sg_id, nodes, links, inputs=(), outputs=()):
    return {
        "id": sg_id,
        "name": sg_id,
        "nodes": nodes,
        "links": links,
        "inputs": list(inputs),
        "outputs": list(outputs),
    }


def test_version_picks_the_rules() -> None:
    assert parse_version("v1.27.10") == (1, 27, 10) and parse_version("Comfy-Org/ComfyUI_frontend@1.30.2") == (1, 30, 2)
    assert parse_version("latest") is None and parse_version(None) is None
    assert rules_for("1.27.10").name == "1.27" and rules_for("1.57.9").name == "1.27"
    assert rules_for("1.58.1").name == "1.58" and rules_for("1.70.0").name == "1.58"
    assert rules_for(None).name == rules_for(DEFAULT_FRONTEND_VERSION).name == "1.58"


def renumber_case() -> dict:
    """Root ids 1 (a subgraph instance) and 2 (SaveImage); the subgraph's node 2 collides with the root's."""
    inner = subgraph(
        "sg",
        [
            node(2, "EmptyImage", [8, 8, 1, 0], outputs=[image_out(20)]),
            node(3, "ImageInvert", inputs=[image_in(20)], outputs=[image_out(21)]),
        ],
        [[20, 2, 0, 3, 0, "IMAGE"], [21, 3, 0, -20, 0, "IMAGE"]],
        outputs=[{"name": "IMAGE", "type": "IMAGE", "linkIds": [21]}],
    )
    return {
        "last_node_id": 5,
        "version": 0.4,
        "definitions": {"subgraphs": [inner]},
        "nodes": [
            node(1, "sg", outputs=[image_out(1)]),
            node(2, "SaveImage", ["x"], inputs=[{"name": "images", "type": "IMAGE", "link": 1}]),
        ],
        "links": [[1, 1, 0, 2, 0, "IMAGE"]],
    }


def test_subgraph_node_ids_are_renumbered_on_collision_by_1_58() -> None:
    new = to_api_prompt(renumber_case(), INFO, frontend_version=NEW)
    assert set(new) == {"1:6", "1:3", "2"}  # 2 is taken: next free id after last_node_id 5
    assert new["1:3"]["inputs"]["image"] == ["1:6", 0] and new["2"]["inputs"]["images"] == ["1:3", 0]
    assert set(ui_node_types(renumber_case(), NEW)) == {"1", "1:6", "1:3", "2"}
    old = to_api_prompt(renumber_case(), INFO, frontend_version=OLD)
    assert set(old) == {"1:2", "1:3", "2"}


def nested_case(mode: int) -> dict:
    """Instance 1 of `outer`, which holds instance 5 of `inner` (with the given mode) feeding a SaveImage."""
    inner = subgraph(
        "inner",
        [
            node(7, "EmptyImage", [8, 8, 1, 0], outputs=[image_out(30)]),
            node(8, "ImageInvert", inputs=[image_in(30)], outputs=[image_out(31)]),
        ],
        [[30, 7, 0, 8, 0, "IMAGE"], [31, 8, 0, -20, 0, "IMAGE"]],
        outputs=[{"name": "IMAGE", "type": "IMAGE", "linkIds": [31]}],
    )
    outer = subgraph(
        "outer",
        [
            node(5, "inner", mode=mode, outputs=[image_out(40)]),
            node(6, "SaveImage", ["x"], inputs=[{"name": "images", "type": "IMAGE", "link": 40}]),
        ],
        [[40, 5, 0, 6, 0, "IMAGE"]],
    )
    return {"definitions": {"subgraphs": [inner, outer]}, "nodes": [node(1, "outer")], "links": []}


@pytest.mark.parametrize("mode", [2, 4])
def test_contents_of_a_bypassed_or_muted_nested_instance(mode: int) -> None:
    new = to_api_prompt(nested_case(mode), INFO, frontend_version=NEW)
    assert set(new) == {"1:5:7", "1:5:8", "1:6"}  # 1.58 flattens nested instances whatever their mode
    assert new["1:6"]["inputs"] == {"filename_prefix": "x"}  # ...but nothing passes through the instance
    old = to_api_prompt(nested_case(mode), INFO, frontend_version=OLD)
    assert set(old) == {"1:6"} and old["1:6"]["inputs"] == {"filename_prefix": "x"}
    assert set(to_api_prompt(nested_case(0), INFO, frontend_version=NEW)["1:6"]["inputs"]) == {
        "filename_prefix",
        "images",
    }


def test_bypassed_top_level_instance_hides_its_contents_in_both() -> None:
    workflow = nested_case(0)
    workflow["nodes"][0]["mode"] = 4
    assert (
        to_api_prompt(workflow, INFO, frontend_version=NEW) == {} == to_api_prompt(workflow, INFO, frontend_version=OLD)
    )


def undeclared_widget_case() -> dict:
    """A subgraph saved where EmptyImage had a `depth` widget before `width`; the instance promotes both."""
    inner = subgraph(
        "sg",
        [
            node(
                2,
                "EmptyImage",
                [8, 8, 1, 0],
                inputs=[
                    {"name": "depth", "type": "COMBO", "widget": {"name": "depth"}, "link": 10},
                    {"name": "width", "type": "INT", "widget": {"name": "width"}, "link": 11},
                ],
            )
        ],
        [[10, -10, 0, 2, 0, "COMBO"], [11, -10, 1, 2, 1, "INT"]],
        inputs=[{"name": "depth", "type": "COMBO", "linkIds": [10]}, {"name": "width", "type": "INT", "linkIds": [11]}],
    )
    return {
        "definitions": {"subgraphs": [inner]},
        "links": [],
        "nodes": [
            node(
                1,
                "sg",
                ["deep", 640],
                inputs=[
                    {"name": "depth", "type": "COMBO", "widget": {"name": "depth"}, "link": None},
                    {"name": "width", "type": "INT", "widget": {"name": "width"}, "link": None},
                ],
            )
        ],
    }


@pytest.mark.parametrize("version", [OLD, NEW])
def test_undeclared_widget_input_is_not_sent_and_promoted_values_keep_their_place(version: str) -> None:
    api = to_api_prompt(undeclared_widget_case(), INFO, strict=False, frontend_version=version)
    assert api["1:2"]["inputs"] == {"width": 640, "height": 8, "batch_size": 1, "color": 0}


def test_preview_any_preview_widget() -> None:
    workflow = {
        "nodes": [node(1, "PreviewAny", [None, None, None], inputs=[{"name": "source", "type": "*", "link": None}])],
        "links": [],
    }
    assert to_api_prompt(workflow, INFO, strict=False, frontend_version=OLD)["1"]["inputs"] == {"preview": None}
    assert (
        to_api_prompt(workflow, INFO, strict=False, frontend_version=NEW)["1"]["inputs"] == {}
    )  # unsent preview_text/preview_mode
    workflow["nodes"][0]["widgets_values"] = []
    assert to_api_prompt(workflow, INFO, strict=False, frontend_version=OLD)["1"]["inputs"] == {"preview": ""}


def test_meta_from_properties_and_titles() -> None:
    props = {"cnr_id": "comfy-core", "ver": "v0.3.64", "aux_id": "someone/some-pack", "Node name for S&R": "ImageBlend"}
    workflow = {
        "nodes": [node(1, "ImageBlend", inputs=[{"name": "image1", "type": "IMAGE", "link": None}], properties=props)],
        "links": [],
    }
    assert to_api_prompt(workflow, INFO, frontend_version=NEW)["1"]["_meta"] == {
        "title": "Blend Images",
        "cnr_id": "comfy-core",
        "aux_id": "someone/some-pack",
        "ver": "0.3.64",
    }
    assert to_api_prompt(workflow, INFO, frontend_version=OLD)["1"]["_meta"] == {"title": "Image Blend"}
    assert node_meta({"cnr_id": "-bad", "ver": "1.2", "aux_id": "no-slash"}) == {}
    assert node_meta({"cnr_id": "pack", "ver": "abc1234"}) == {"cnr_id": "pack", "ver": "abc1234"}
    assert node_meta({"ver": "unknown"}) == {"ver": "unknown"} and node_meta(None) == {}


def missing_case() -> dict:
    return {
        "nodes": [
            node(1, "EmptyImage", [8, 8, 1, 0], outputs=[image_out(1)]),
            node(2, "VHS_VideoCombine", [8], inputs=[{"name": "images", "type": "IMAGE", "link": 1}]),
            node(3, "FancyNewCoreNode", [1], properties={"cnr_id": "comfy-core", "ver": "0.5.1"}),
            node(4, "SomethingElse", []),
            node(5, "MutedUnknown", [], mode=2),
        ],
        "links": [[1, 1, 0, 2, 0, "IMAGE"]],
    }


def test_running_refuses_missing_types_in_one_sentence_and_display_still_works() -> None:
    with pytest.raises(MissingNodeTypesError) as err:
        to_api(missing_case(), INFO, purpose="run")
    assert str(err.value) == (
        "This ComfyUI lacks the workflow's node types FancyNewCoreNode (from ComfyUI 0.5.1 or newer), SomethingElse, "
        "VHS_VideoCombine (from the ComfyUI-VideoHelperSuite node pack "
        "(`comfy node install comfyui-videohelpersuite`)); "
        "install them and restart ComfyUI to run it."
    )
    assert err.value.node_types == ("FancyNewCoreNode", "SomethingElse", "VHS_VideoCombine")
    assert isinstance(err.value, WorkflowError)
    shown = to_api(missing_case(), INFO)  # display: the frontend's placeholders, the muted one dropped
    assert set(shown) == {"1", "2", "3", "4"} and "class_type" not in shown["2"]
    assert shown["2"]["_meta"]["missing_node_type"] == "VHS_VideoCombine"
    complete = {"nodes": [missing_case()["nodes"][0], missing_case()["nodes"][4]], "links": []}
    assert set(to_api(complete, INFO, purpose="run")) == {"1"}  # a muted unknown node does not block a run


def test_missing_sentence_for_one_type_and_for_group_nodes() -> None:
    assert missing_types_sentence([{"type": "Foo", "properties": {"cnr_id": "foo-pack", "ver": "1.0.0"}}]) == (
        "This ComfyUI lacks the workflow's node type Foo "
        "(from the foo-pack 1.0.0 node pack (`comfy node install foo-pack`)); "
        "install it and restart ComfyUI to run it."
    )
    assert missing_types_sentence([{"type": "workflow>Upscale"}]).startswith(
        "This workflow uses legacy group nodes (workflow>Upscale)"
    )


def test_dangling_links_inside_a_subgraph(tmp_path: Path) -> None:
    """A subgraph output listing a link id the subgraph lacks, and a link to an inner node that is gone
    (both in official templates): the frontend ignores them, so does the app."""
    workflow = renumber_case()
    inner = workflow["definitions"]["subgraphs"][0]
    inner["outputs"][0]["linkIds"] = [99, 21]
    inner["links"].append([22, 3, 0, 79, 0, "IMAGE"])  # to node 79, which the subgraph does not contain
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps(workflow))
    loaded = load_workflow(path)
    for version in (OLD, NEW):
        api = to_api(loaded, INFO, frontend_version=version, purpose="run")
        assert api["2"]["inputs"]["images"] == ["1:3", 0]


def test_newer_core_types_and_the_apps_own_nodes() -> None:
    workflow = {"nodes": [node(1, "ImageCompare", []), node(2, "EmptyImage", [8, 8, 1, 0])], "links": []}
    with pytest.raises(MissingNodeTypesError) as err:  # a core node of frontend 1.58's era, no properties saved
        to_api(workflow, INFO, purpose="run")
    assert "ImageCompare (from a newer ComfyUI)" in str(err.value)
    own = {"nodes": [node(1, "InkframeInt", [3]), node(2, "EmptyImage", [8, 8, 1, 0])], "links": []}
    assert "1" not in to_api(own, INFO, purpose="run")  # resolved app-side (param_nodes), never refused


def test_a_saved_link_id_the_graph_lacks() -> None:
    """1.58 connects inputs from the graph's links (by target node and slot), 1.27 from the saved ids."""
    workflow = renumber_case()
    workflow["nodes"][1]["inputs"][0]["link"] = 77  # the SaveImage input names a link id the graph lacks
    assert to_api_prompt(workflow, INFO, frontend_version=NEW)["2"]["inputs"]["images"] == [
        "1:3",
        0,
    ]  # link 1 ends there
    with pytest.raises(WorkflowError, match="uses link 77, which the workflow does not contain"):
        to_api_prompt(workflow, INFO, frontend_version=OLD)
    workflow["links"] = []
    assert "images" not in to_api_prompt(workflow, INFO, frontend_version=NEW)["2"]["inputs"]


def test_nested_definitions_are_flattened() -> None:
    workflow = nested_case(0)
    inner, outer = workflow["definitions"]["subgraphs"]
    outer["definitions"] = {"subgraphs": [inner]}
    workflow["definitions"]["subgraphs"] = [outer]
    assert to_api_prompt(workflow, INFO) == to_api_prompt(nested_case(0), INFO)


def test_load3d_viewer_widgets_of_1_58() -> None:
    info = {
        "Load3D": {
            "input": {
                "required": {
                    "model_file": [["toy.glb"], {"file_upload": True}],
                    "image": ["LOAD_3D", {}],
                    "width": ["INT", {"default": 1024}],
                    "height": ["INT", {"default": 1024}],
                }
            },
            "input_order": {"required": ["model_file", "image", "width", "height"]},
            "output": ["IMAGE"],
            "display_name": "Load 3D",
        }
    }
    saved = ["toy.glb", "upload3dmodel", "uploadExtraResources", "clear", "", 640, 480]
    api = to_api_prompt({"nodes": [node(1, "Load3D", saved)], "links": []}, info, strict=False, frontend_version=NEW)
    assert api["1"]["inputs"] == {
        "model_file": "toy.glb",
        "upload 3d model": "upload3dmodel",
        "upload extra resources": "uploadExtraResources",
        "clear": "clear",
        "image": "",
        "width": 640,
        "height": 480,
    }
