"""`python main.py run` and `doctor` end to end, as a user runs them, against a live ComfyUI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .graph import GraphBuilder

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def trivial_workflow(tmp_path: Path, prefix: str) -> Path:
    g = GraphBuilder()
    image = g.node("EmptyImage", width=64, height=48, batch_size=1, color=0)
    inverted = g.node("ImageInvert", image=image.out(0))
    g.node("SaveImage", images=inverted.out(0), filename_prefix=prefix)
    path = tmp_path / "trivial.json"
    path.write_text(json.dumps(g.to_prompt()))
    return path


def test_run_saves_outputs_and_sidecar(live_comfyui, tmp_path):
    workflow = trivial_workflow(tmp_path, "it/run_cli")
    result = cli(
        "run",
        str(workflow),
        "--set",
        "1.width=80",
        "--out",
        str(tmp_path / "out"),
        "--comfyui-url",
        live_comfyui,
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    pngs = sorted((tmp_path / "out").glob("*.png"))
    sidecars = sorted((tmp_path / "out").glob("*.json"))
    assert len(pngs) == 1 and len(sidecars) == 1
    from PIL import Image

    with Image.open(pngs[0]) as image:
        assert image.size == (80, 48)
        assert image.getpixel((0, 0)) == (255, 255, 255)  # black inverted
        assert json.loads(image.info["prompt"])["1"]["inputs"]["width"] == 80  # ComfyUI's own metadata kept
    sidecar = json.loads(sidecars[0].read_text())
    assert sidecar["parameters"] == ["1.width=80"]
    assert sidecar["comfyui_version"] and sidecar["backend"] == live_comfyui
    assert sidecar["prompt"]["1"]["inputs"]["width"] == 80
    assert sidecar["timings"]["comfy_execution_s"] is not None
    assert sidecar["outputs"] == [{"file": pngs[0].name, "node_id": "3", "kind": "image", "source": "view"}]


def test_run_reports_value_below_minimum_per_node(live_comfyui, tmp_path):
    workflow = trivial_workflow(tmp_path, "it/run_cli_bad")
    result = cli(
        "run", str(workflow), "--set", "1.width=0", "--out", str(tmp_path / "out"), "--comfyui-url", live_comfyui
    )
    assert result.returncode == 1
    assert "Node 1 (EmptyImage) input 'width' is 0, below its minimum 1." in result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_run_names_unknown_node_types(live_comfyui, tmp_path):
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps({"1": {"class_type": "NoSuchNode", "inputs": {}}}))
    result = cli("run", str(path), "--out", str(tmp_path / "out"), "--comfyui-url", live_comfyui)
    assert result.returncode == 1
    assert "NoSuchNode" in result.stderr and "Traceback" not in result.stderr


def test_run_with_unreachable_comfyui_names_the_url(tmp_path):
    workflow = trivial_workflow(tmp_path, "x")
    result = cli(
        "run", str(workflow), "--out", str(tmp_path / "out"), "--comfyui-url", "http://127.0.0.1:9", timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: cannot reach ComfyUI at http://127.0.0.1:9 (connection refused); "
        "start ComfyUI or set comfyui.url / --comfyui-url."
    )


def test_run_rejects_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"1": {"class_type": ')
    result = cli("run", str(path), "--out", str(tmp_path / "out"), "--comfyui-url", "http://127.0.0.1:9", timeout=60)
    assert result.returncode != 0
    assert "is truncated" in result.stderr and "Traceback" not in result.stderr


def test_doctor_reports_backend_nodes_and_workflows(live_comfyui):
    result = cli("doctor", "--comfyui-url", live_comfyui)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("backend  ok    ComfyUI ")
    assert lines[1].startswith("nodes    ok    ") and "Inkframe nodes loaded" in lines[1]
    assert lines[2].startswith("capability ") and lines[-1].endswith(" of 12 capabilities can run on this backend")
    # a stock CPU ComfyUI has no checkpoints, so the generation capabilities miss models: non-zero exit
    assert result.returncode == 1
    assert "needs model" in result.stdout and "download_models.py" in result.stdout
    named = cli("doctor", "background", "--comfyui-url", live_comfyui)  # named workflows: the same table, per workflow
    assert named.stdout.splitlines()[2].startswith("workflow ") and "of 1 workflows can run" in named.stdout


def test_doctor_with_unreachable_backend(tmp_path):
    result = cli("doctor", "--comfyui-url", "http://127.0.0.1:9", timeout=60)
    assert result.returncode == 1
    assert result.stdout.startswith("backend  FAIL  ")
