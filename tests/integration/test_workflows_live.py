"""A UI-format workflow, converted by the app, is accepted and run by a live ComfyUI.

Uses the `live_comfyui` / `comfy_client` fixtures (tests/integration/conftest.py): skipped with a reason
when neither COMFYUI_URL nor COMFYUI_PATH is set.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.workflows import apply_overrides, parameter_schema, preflight, to_api
from app.workflows.builder import GraphBuilder
from app.workflows.metadata import read_png_metadata
from app.workflows.model import Workflow
from app.workflows.widgets import NodeSpecs
from tests.conftest import shared_path

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def build_ui_workflow(object_info: dict) -> dict:
    g = GraphBuilder(NodeSpecs(object_info))
    width = g.param("InkframeInt", "width", value=64, min=16, max=512, step=16)
    height = g.param("InkframeInt", "height", value=32, min=16, max=512, step=16)
    image = g.node("EmptyImage", width=width[0], height=height[0], batch_size=1, color=0x204060)
    inverted = g.node("ImageInvert", image=image[0], _mode=4)  # bypassed: passes the image through
    g.node("SaveImage", images=inverted[0], filename_prefix="inkframe_it/muted", _mode=2)  # muted: never runs
    g.node("InkframeOutputImage", images=inverted[0], name="result", filename_prefix="inkframe_it/workflow")
    return g.build()


def test_ui_workflow_converted_by_the_app_runs(comfy_client) -> None:
    info = comfy_client.object_info(refresh=True)
    if "InkframeOutputImage" not in info:
        pytest.fail("the live ComfyUI did not load the Inkframe node pack (custom_nodes/inkframe_nodes); see its log")
    ui = build_ui_workflow(info)
    workflow = Workflow(name="live", path=None, format="ui", raw=json.loads(json.dumps(ui)))
    prompt = to_api(workflow, info, strict=True)
    assert {n["class_type"] for n in prompt.values()} == {
        "EmptyImage",
        "InkframeOutputImage",
    }  # parameters: Primitive nodes
    schema = parameter_schema(workflow, info)
    prompt = apply_overrides(prompt, ["width=48"], schema)
    report = preflight(prompt, info)
    assert report.ok, report.sentences()

    result = comfy_client.run(prompt, extra_data={"extra_pnginfo": {"workflow": ui}})
    [file] = result.files
    from PIL import Image

    image = Image.open(io.BytesIO(file.data))
    assert image.size == (48, 32)
    assert image.convert("RGB").getpixel((0, 0)) == (0x20, 0x40, 0x60)  # not inverted: the bypass held
    meta = read_png_metadata(file.data)
    assert meta["workflow"] == ui and meta["prompt"]["3"]["inputs"]["height"] == 32
    assert meta["inkframe_output"] == "result"


def test_golden_template_converts_identically_with_live_object_info(comfy_client) -> None:
    golden = shared_path() / "comfyui" / "conversions" / "default.json"
    if not golden.is_file():
        pytest.skip(f"golden conversion {golden} not present")
    pair = json.loads(golden.read_text())
    info = comfy_client.object_info()
    assert to_api(pair["workflow"], info) == pair["api"]


def test_preflight_of_library_workflows_against_the_live_backend(comfy_client) -> None:
    from app.workflows import load_workflow, resolve_workflow

    info = comfy_client.object_info()
    background = load_workflow(resolve_workflow("background"))
    report = preflight(to_api(background, info), info)
    checkpoints = info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
    if "v1-5-pruned-emaonly.safetensors" in checkpoints:
        assert report.ok, report.sentences()
    else:
        assert [p.kind for p in report.problems] == ["missing_model"]
        assert "python scripts/download_models.py --only v1-5-pruned-emaonly.safetensors" in report.problems[0].sentence
    animation = load_workflow(resolve_workflow("pose_animation"))
    missing = {p.node_type for p in preflight(to_api(animation, info), info).problems if p.kind == "missing_node"}
    expected = {
        "VHS_LoadVideoPath",
        "VHS_VideoCombine",
        "DWPreprocessor",
        "IPAdapterUnifiedLoader",
        "IPAdapter",
        "ADE_StandardUniformContextOptions",
        "ADE_AnimateDiffLoaderGen1",
    }
    assert missing == {t for t in expected if t not in info}


@pytest.mark.browser
def test_library_converts_like_the_real_frontend(live_comfyui: str, comfy_client) -> None:
    """The live server's own frontend (graphToPrompt in Chromium) and the app convert each built-in
    workflow whose node types this server has to the same API prompt."""
    import os

    from app.workflows import list_workflows, load_workflow

    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    chromium = os.environ.get("INKFRAME_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"Chromium not found at {chromium} (set INKFRAME_CHROMIUM)")
    info = comfy_client.object_info()
    frontend_only = {
        "Note",
        "MarkdownNote",
        "PrimitiveNode",
        "Reroute",
    }  # the Primitive nodes carrying parameters included
    runnable = [
        w
        for w in map(load_workflow, list_workflows())
        if {n["type"] for n in w.raw["nodes"]} - frontend_only <= set(info)
    ]
    assert runnable, "no built-in workflow uses only node types this server has"
    print("compared with the frontend:", ", ".join(w.name for w in runnable))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page()
            page.goto(live_comfyui + "/", timeout=120_000)
            page.wait_for_function(
                "() => window.app && window.app.graph && window.app.graph.nodes !== undefined", timeout=120_000
            )
            for workflow in runnable:
                expected = page.evaluate(
                    "async (wf) => { await window.app.loadGraphData(wf); "
                    "return JSON.parse(JSON.stringify((await window.app.graphToPrompt()).output)); }",
                    workflow.raw,
                )
                assert to_api(workflow, info, frontend_version=comfy_client.frontend_version()) == expected, (
                    workflow.name
                )
        finally:
            browser.close()


def test_cli_lint_against_the_live_backend(live_comfyui: str, comfy_client, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main as cli_main

    checkpoints = comfy_client.object_info()["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
    status = cli_main(["workflows", "lint", "background", "--comfyui-url", live_comfyui])
    out = capsys.readouterr().out
    if "v1-5-pruned-emaonly.safetensors" in checkpoints:
        assert status == 0, out
    else:
        assert status == 1
        assert "needs model v1-5-pruned-emaonly.safetensors, which this ComfyUI does not have; download it with" in out
