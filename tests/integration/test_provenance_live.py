"""Content Credentials on real ComfyUI outputs: `main.py run` signs them, ComfyUI's own chunks survive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .test_run_cli import cli, trivial_workflow

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_run_outputs_carry_credentials_and_reopen_in_comfyui(live_comfyui, tmp_path):
    workflow = trivial_workflow(tmp_path, "it/provenance")
    result = cli("run", str(workflow), "--out", str(tmp_path / "out"), "--comfyui-url", live_comfyui, "--quiet")
    assert result.returncode == 0, result.stderr
    (png,) = sorted((tmp_path / "out").glob("*.png"))
    from PIL import Image

    with Image.open(png) as image:
        assert json.loads(image.info["prompt"])["2"]["class_type"] == "ImageInvert"  # ComfyUI's chunk kept
    check = subprocess.run(
        [sys.executable, "main.py", "provenance", "--json", str(png)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["state"] == "untrusted" and report["actions"] == ["c2pa.created"]
    assert report["generation"] == {"operation": "generate", "workflow": "trivial.json"}
    assert report["source_type"] == "trainedAlgorithmicMedia"
