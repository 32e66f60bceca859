"""Against a live ComfyUI: the served frontend's version is found, and prompts converted by either frontend's
rules (subgraph ids renumbered, `_meta` from properties) run; a workflow with missing types never reaches it."""

from __future__ import annotations

import os
import subprocess

import pytest

from app.comfy import ComfyClient
from app.comfy.frontend_version import detect_frontend_version
from app.workflows import MissingNodeTypesError, to_api

pytestmark = pytest.mark.integration


def served_package_version() -> str | None:
    python = os.environ.get("COMFYUI_PYTHON")
    if not python or os.environ.get("COMFYUI_URL"):
        return None
    code = "import importlib.metadata as m; print(m.version('comfyui-frontend-package'))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() if done.returncode == 0 else None


def test_the_served_frontend_version_is_found(comfy_client: ComfyClient) -> None:
    found = detect_frontend_version(comfy_client.http)
    assert found.version is not None, found
    expected = served_package_version()
    if expected is not None:
        assert (found.version, found.source) == (expected, "served bundle")
    assert comfy_client.frontend_version(refresh=True) == found.version


def node(node_id, node_type, widgets=(), inputs=(), outputs=(), **extra):
    return {
        "id": node_id,
        "type": node_type,
        "mode": 0,
        "inputs": list(inputs),
        "outputs": list(outputs),
        "widgets_values": list(widgets),
        **extra,
    }


def subgraph_workflow() -> dict:
    """Root: instance 1 of a subgraph (EmptyImage 2 -> ImageInvert 3) feeding SaveImage 2; inner id 2 collides."""
    core = {"cnr_id": "comfy-core", "ver": "0.3.64"}
    inner = {
        "id": "4c1f2a7e-8f7e-4d5b-9a40-2f1b7c3d9e11",
        "name": "invert",
        "links": [[20, 2, 0, 3, 0, "IMAGE"], [21, 3, 0, -20, 0, "IMAGE"]],
        "inputs": [],
        "outputs": [{"name": "IMAGE", "type": "IMAGE", "linkIds": [21]}],
        "nodes": [
            node(
                2,
                "EmptyImage",
                [16, 16, 1, 0x204060],
                outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [20]}],
                properties=core,
            ),
            node(
                3,
                "ImageInvert",
                inputs=[{"name": "image", "type": "IMAGE", "link": 20}],
                outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [21]}],
                properties=core,
            ),
        ],
    }
    return {
        "version": 0.4,
        "last_node_id": 3,
        "last_link_id": 21,
        "definitions": {"subgraphs": [inner]},
        "nodes": [
            node(1, inner["id"], outputs=[{"name": "IMAGE", "type": "IMAGE", "links": [1]}]),
            node(
                2,
                "SaveImage",
                ["inkframe_frontend_rules"],
                inputs=[{"name": "images", "type": "IMAGE", "link": 1}],
                properties=core,
            ),
        ],
        "links": [[1, 1, 0, 2, 0, "IMAGE"]],
    }


@pytest.mark.parametrize("version", ["1.27.10", "1.58.1"])
def test_prompts_of_both_rule_sets_run(comfy_client: ComfyClient, version: str) -> None:
    info = comfy_client.object_info()
    prompt = to_api(subgraph_workflow(), info, frontend_version=version, purpose="run")
    assert set(prompt) == ({"1:4", "1:3", "2"} if version == "1.58.1" else {"1:2", "1:3", "2"})
    result = comfy_client.run(prompt, timeout=120)
    images = [f for f in result.files if f.node_id == "2"]
    assert images and images[0].data[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_types_are_refused_before_queueing(comfy_client: ComfyClient) -> None:
    workflow = subgraph_workflow()
    workflow["nodes"].append(
        node(5, "VHS_VideoCombine", [8], properties={"cnr_id": "comfyui-videohelpersuite", "ver": "1.7.9"})
    )
    info = comfy_client.object_info()
    if "VHS_VideoCombine" in info:
        pytest.skip("this server has VideoHelperSuite")
    with pytest.raises(MissingNodeTypesError) as err:
        to_api(workflow, info, frontend_version=comfy_client.frontend_version(), purpose="run")
    assert "VHS_VideoCombine (from the ComfyUI-VideoHelperSuite node pack" in str(err.value)
