"""The 1.58 rules against the real frontend: a ComfyUI from $COMFYUI_PATH serving the frontend in
$INKFRAME_FRONTEND_ROOT (e.g. the `static/` folder of the comfyui-frontend-package 1.58.1 wheel) through
`--front-end-root`, driven in Chromium. The app must find the served version and convert the rule cases of
tests/unit/test_workflow_frontend_rules.py exactly as that frontend's graphToPrompt does, except the documented
deviation (a widget the backend lacks: the frontend shifts the promoted values, the app keeps them in place).

Run: `INKFRAME_FRONTEND_ROOT=/path/static COMFYUI_PATH=/opt/comfyui COMFYUI_PYTHON=/opt/comfyui-venv/bin/python
.venv/bin/python -m pytest tests/integration/test_frontend_rules_browser.py`.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.unit.test_workflow_frontend_rules as cases
from app.comfy import ComfyClient, ManagedComfyUI
from app.config import LaunchConfig
from app.workflows.convert import to_api_prompt

from .conftest import INTEGRATION_TIMEOUTS
from .launch import REPO_ROOT, torchvision_shim_env

pytestmark = [pytest.mark.integration, pytest.mark.browser]
FRONTEND_ROOT = os.environ.get("INKFRAME_FRONTEND_ROOT")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not FRONTEND_ROOT or not (Path(FRONTEND_ROOT) / "index.html").is_file():
        pytest.skip(
            "set INKFRAME_FRONTEND_ROOT to a ComfyUI frontend's static/ folder (with index.html) to compare with it"
        )
    if not os.environ.get("COMFYUI_PATH"):
        pytest.skip("set COMFYUI_PATH (+COMFYUI_PYTHON) to a ComfyUI checkout the test may start")
    python = Path(os.environ.get("COMFYUI_PYTHON", "python3"))
    work = tmp_path_factory.mktemp("frontend-root-comfyui")
    launch = LaunchConfig(
        path=Path(os.environ["COMFYUI_PATH"]), python=python, extra_args=["--cpu", "--front-end-root", FRONTEND_ROOT]
    )
    server = ManagedComfyUI(
        launch, REPO_ROOT, timeouts=INTEGRATION_TIMEOUTS, data_dir=work, env=torchvision_shim_env(python, work)
    )
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def editor_ready(workflow: dict) -> dict:
    """The fields the editor saves and our small cases leave out (positions, sizes, subgraph IO nodes)."""
    workflow = copy.deepcopy(workflow)
    workflow.setdefault("version", 0.4)
    workflow.setdefault("last_node_id", max([n["id"] for n in workflow["nodes"]] + [0]))
    workflow.setdefault("last_link_id", 100)

    def fill(nodes: list[dict]) -> None:
        for index, node in enumerate(nodes):
            for key, value in (
                ("pos", [index * 50, 0]),
                ("size", [100, 60]),
                ("flags", {}),
                ("order", index),
                ("properties", {}),
            ):
                node.setdefault(key, value)

    fill(workflow["nodes"])
    for sub in (workflow.get("definitions") or {}).get("subgraphs", []):
        fill(sub["nodes"])
        for key, value in (
            ("version", 1),
            ("revision", 0),
            ("config", {}),
            ("widgets", []),
            ("groups", []),
            ("state", {"lastNodeId": 0, "lastLinkId": 0, "lastGroupId": 0, "lastRerouteId": 0}),
            ("inputNode", {"id": -10, "bounding": [0, 0, 100, 100]}),
            ("outputNode", {"id": -20, "bounding": [500, 0, 100, 100]}),
        ):
            sub.setdefault(key, value)
        for slot in sub.get("inputs", []) + sub.get("outputs", []):
            slot.setdefault("id", str(uuid.uuid4()))
        sub["links"] = [
            link
            if isinstance(link, dict)
            else dict(zip(("id", "origin_id", "origin_slot", "target_id", "target_slot", "type"), link))
            for link in sub["links"]
        ]
    return workflow


def rule_cases() -> dict[str, dict]:
    missing_link = cases.renumber_case()
    missing_link["nodes"][1]["inputs"][0]["link"] = 77  # a saved link id the graph lacks
    core = {"cnr_id": "comfy-core", "ver": "v0.3.64", "aux_id": "comfyanonymous/ComfyUI"}
    return {
        "renumber": cases.renumber_case(),
        "nested_bypassed": cases.nested_case(4),
        "nested_muted": cases.nested_case(2),
        "nested_active": cases.nested_case(0),
        "missing_link": missing_link,
        "placeholder": {"nodes": [cases.node(1, "NoSuchNode", ["a", None, 2, {"k": 1}, True])], "links": []},
        "meta_titles_preview": {
            "nodes": [
                cases.node(1, "LoadImage", ["example.png", "image"], outputs=[cases.image_out(1)], properties=core),
                cases.node(
                    2,
                    "Canny",
                    [0.4, 0.8],
                    inputs=[cases.image_in(1)],
                    outputs=[cases.image_out(2)],
                    properties={"cnr_id": "comfy-core", "ver": "x"},
                ),
                cases.node(3, "PreviewAny", [None, None, None], inputs=[{"name": "source", "type": "*", "link": 2}]),
            ],
            "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
        },
    }


def test_the_app_converts_like_the_served_frontend(served: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    chromium = os.environ.get("INKFRAME_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"Chromium not found at {chromium} (set INKFRAME_CHROMIUM)")
    with ComfyClient(served, timeouts=INTEGRATION_TIMEOUTS) as client:
        version = client.frontend_version(refresh=True)
        info = client.object_info()
    assert version is not None and version.startswith("1.")
    info = {**cases.INFO, **info}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page()
            page.goto(served + "/", timeout=180_000)
            page.wait_for_function(
                "() => window.app && window.app.graph && window.app.graph.nodes !== undefined", timeout=180_000
            )
            convert = (
                "async (wf) => { await window.app.loadGraphData(wf); "
                "return JSON.parse(JSON.stringify((await window.app.graphToPrompt()).output)); }"
            )
            for name, workflow in {**rule_cases(), "undeclared_widget": cases.undeclared_widget_case()}.items():
                ready = editor_ready(workflow)
                expected = page.evaluate(convert, ready)
                got = to_api_prompt(ready, info, frontend_version=version, strict=False)
                if name == "undeclared_widget":  # the documented deviation: the frontend shifts the saved values
                    assert expected["1:2"]["inputs"]["width"] == "deep" and got["1:2"]["inputs"]["width"] == 640
                    expected["1:2"]["inputs"]["width"] = 640
                assert got == expected, name
        finally:
            browser.close()
