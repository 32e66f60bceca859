"""Preflight against /object_info: missing node types (pack + install line), missing models (manifest
hint), values out of range / not in a list / of the wrong type; and PNG metadata like ComfyUI's."""

from __future__ import annotations

import io

import pytest

from app.workflows import WorkflowError, load_manifest, preflight
from app.workflows.metadata import embed_png_metadata, read_png_metadata

INFO = {
    "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [[], {}]}}, "output": ["MODEL", "CLIP", "VAE"]},
    "EmptyLatentImage": {
        "input": {
            "required": {
                "width": ["INT", {"default": 512, "min": 16, "max": 16384}],
                "height": ["INT", {"min": 16, "max": 16384}],
                "batch_size": ["INT", {"min": 1, "max": 4096}],
            }
        },
        "output": ["LATENT"],
    },
    "KSampler": {
        "input": {
            "required": {
                "model": ["MODEL", {}],
                "seed": ["INT", {"min": 0}],
                "cfg": ["FLOAT", {"min": 0.0, "max": 100.0}],
                "sampler_name": [["euler", "dpmpp_2m"], {}],
                "latent_image": ["LATENT", {}],
            }
        },
        "output": ["LATENT"],
    },
    "SaveLatent": {
        "input": {"required": {"samples": ["LATENT", {}], "filename_prefix": ["STRING", {}]}},
        "output": [],
        "output_node": True,
    },
}


def prompt(**overrides):
    base = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "3": {
            "class_type": "KSampler",
            "inputs": {"model": ["1", 0], "seed": 1, "cfg": 7.0, "sampler_name": "euler", "latent_image": ["2", 0]},
        },
        "4": {"class_type": "SaveLatent", "inputs": {"samples": ["3", 0], "filename_prefix": "x"}},
    }
    for key, value in overrides.items():
        node_id, name = key.split("__")
        base[node_id]["inputs"][name] = value
    return base


def test_missing_model_uses_the_manifest_hint() -> None:
    report = preflight(prompt(), INFO, load_manifest())
    assert not report.ok
    assert report.sentences() == [
        "Node 1 (CheckpointLoaderSimple) input 'ckpt_name' needs model v1-5-pruned-emaonly.safetensors, "
        "which this ComfyUI does not have; "
        "download it with `python scripts/download_models.py --only v1-5-pruned-emaonly.safetensors` "
        "(https://huggingface.co/stable-diffusion-v1-5/stable-diffusion-v1-5/resolve/main/v1-5-pruned-emaonly.safetensors)."
    ]
    info = {
        **INFO,
        "CheckpointLoaderSimple": {
            "input": {"required": {"ckpt_name": [["v1-5-pruned-emaonly.safetensors"], {}]}},
            "output": ["MODEL", "CLIP", "VAE"],
        },
    }
    assert preflight(prompt(), info).ok


def test_values_out_of_range_not_in_list_wrong_type() -> None:
    report = preflight(prompt(**{"2__width": 8, "3__cfg": "high", "3__sampler_name": "nope"}), INFO, check_models=False)
    assert report.sentences() == [
        "Node 2 (EmptyLatentImage) input 'width' is 8, below its minimum 16.",
        "Node 3 (KSampler) input 'cfg' needs a number, not 'high'.",
        "Node 3 (KSampler) input 'sampler_name' is 'nope', which is not one of: euler, dpmpp_2m.",
    ]


def test_missing_node_type_names_pack_and_install_line() -> None:
    p = prompt()
    p["5"] = {"class_type": "VHS_VideoCombine", "inputs": {"images": ["3", 0]}}
    p["6"] = {"class_type": "InkframeInt", "inputs": {}}
    report = preflight(p, INFO, check_models=False)
    assert report.sentences() == [
        "Node 5 needs node type VHS_VideoCombine from the ComfyUI-VideoHelperSuite node pack, "
        "which this ComfyUI lacks; "
        "install it with `comfy node install comfyui-videohelpersuite`.",
        "Node 6 needs node type InkframeInt from Inkframe Studio's own node pack, which this ComfyUI lacks; "
        "load it with `python scripts/download_models.py --extra-model-paths COMFYUI_DIR` and restart ComfyUI.",
    ]
    assert report.problems[0].install == "comfy node install comfyui-videohelpersuite"


def test_nodes_no_output_needs_are_not_validated() -> None:
    p = prompt()
    p["9"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 1, "height": 1, "batch_size": 0}}
    assert preflight(p, INFO, check_models=False).ok


def test_unconnected_required_socket_and_dangling_link() -> None:
    p = prompt()
    del p["3"]["inputs"]["model"]
    p["4"]["inputs"]["samples"] = ["3", 0]
    p["3"]["inputs"]["latent_image"] = ["8", 0]
    assert preflight(p, INFO, check_models=False).sentences() == [
        "Node 3 (KSampler) input 'latent_image' is linked to node 8, which the prompt does not contain.",
        "Node 3 (KSampler) needs its 'model' input (MODEL) connected.",
    ]


def test_png_metadata_roundtrip_like_comfyui() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    data = embed_png_metadata(buffer.getvalue(), prompt(), {"nodes": [], "links": []}, {"inkframe": {"job": "j1"}})
    meta = read_png_metadata(data)
    assert (
        meta["prompt"] == prompt()
        and meta["workflow"] == {"nodes": [], "links": []}
        and meta["inkframe"] == {"job": "j1"}
    )
    image = Image.open(io.BytesIO(data))
    assert set(image.text) == {"prompt", "workflow", "inkframe"} and image.size == (4, 4)


def test_metadata_of_non_png_is_one_sentence() -> None:
    with pytest.raises(WorkflowError, match=r"^Cannot embed workflow metadata: the data is not a readable PNG \("):
        embed_png_metadata(b"not an image", {}, {}, None)


def test_lint_names_the_type_of_a_node_the_backend_lacks() -> None:
    from app.workflows.lint import lint_workflow
    from app.workflows.model import Workflow

    ui = {
        "nodes": [
            {
                "id": 1,
                "type": "EmptyLatentImage",
                "mode": 0,
                "inputs": [],
                "outputs": [{"name": "LATENT", "type": "LATENT", "links": [1]}],
                "widgets_values": [512, 512, 1],
            },
            {
                "id": 2,
                "type": "VHS_VideoCombine",
                "mode": 0,
                "inputs": [{"name": "images", "type": "IMAGE", "link": 1}],
                "outputs": [],
                "widgets_values": [8, 0, "x", "video/webm", False, True],
            },
        ],
        "links": [[1, 1, 0, 2, 0, "LATENT"]],
    }
    report = lint_workflow(Workflow("t", None, "ui", ui), INFO, None, check_models=False)
    assert report.sentences() == [
        "Node 2 needs node type VHS_VideoCombine "
        "from the ComfyUI-VideoHelperSuite node pack, "
        "which this ComfyUI lacks; "
        "install it with `comfy node install comfyui-videohelpersuite`."
    ]


def test_legacy_group_node_says_how_to_fix_it() -> None:
    p = prompt()
    p["5"] = {"inputs": {}, "_meta": {"missing_node_type": "workflow>Upscale"}}
    assert preflight(p, INFO, check_models=False).sentences() == [
        "Node 5 is a legacy group node (workflow>Upscale), which this converter does not expand; "
        "open the workflow in ComfyUI, convert the group node to a subgraph and save it again."
    ]


def test_one_sentence_per_cause_and_long_lists_summarised() -> None:
    from app.workflows.model import PreflightReport, Problem

    p = prompt()
    for index, node_type in enumerate(["VHS_LoadVideoPath", "VHS_VideoCombine", "VHS_VideoCombine"]):
        p[str(10 + index)] = {"class_type": node_type, "inputs": {}}
    assert preflight(p, INFO, check_models=False).sentences() == [
        "Nodes 10, 11 and 12 need node types VHS_LoadVideoPath and VHS_VideoCombine "
        "from the ComfyUI-VideoHelperSuite node pack, "
        "which this ComfyUI lacks; install it with `comfy node install comfyui-videohelpersuite`."
    ]
    many = PreflightReport(tuple(Problem("out_of_range", str(i), f"Node {i} is out of range.") for i in range(12)))
    assert many.sentences()[-1] == "And 4 more problems." and len(many.sentences()) == 9
