"""`main.py comfyui install` against a local ComfyUI checkout produces a ComfyUI the studio starts
(comfyui.launch, as `python main.py` does) and runs a built-in workflow on; its checkpoint list is what the
form offers.

Source: $INKFRAME_COMFYUI_SOURCE, else $COMFYUI_PATH (a local checkout; git clones it). To stay fast the
install reuses $COMFYUI_PYTHON as it is (`--python`) instead of making a venv with torch; skipped with the
reason when no source or python is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.config import load_config
from app.services import backend_models_service
from app.services.backend_session import open_backend

from .sd15_fixture import TINY_CHECKPOINT, sd15_models_dir

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def source_and_python() -> tuple[str, Path]:
    source = os.environ.get("INKFRAME_COMFYUI_SOURCE") or os.environ.get("COMFYUI_PATH")
    python = os.environ.get("COMFYUI_PYTHON")
    if not source or not python:
        pytest.skip("no local ComfyUI source: set INKFRAME_COMFYUI_SOURCE (or COMFYUI_PATH) and COMFYUI_PYTHON")
    return source, Path(python)


def test_installed_comfyui_is_started_by_the_studio_and_runs_a_workflow(source_and_python, tmp_path):
    source, python = source_and_python
    target, config_out = tmp_path / "comfyui", tmp_path / "config.local.yaml"
    installed = subprocess.run(
        [
            sys.executable,
            "main.py",
            "comfyui",
            "install",
            str(target),
            "--source",
            source,
            "--python",
            str(python),
            "--no-packs",
            "--cpu",
            "--config-out",
            str(config_out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    assert "Traceback" not in installed.stderr
    assert (
        subprocess.run(["git", "rev-parse", "HEAD"], cwd=target, capture_output=True, text=True).stdout.strip()
        == "a125cd84b054a57729b5eecab930ca9408719832"
    )
    launch = yaml.safe_load(config_out.read_text())["comfyui"]["launch"]
    assert launch == {"path": str(target.resolve()), "python": str(python), "extra_args": ["--cpu"]}

    checkpoints = target / "models" / "checkpoints"  # the installed ComfyUI's own models folder
    checkpoints.mkdir(parents=True, exist_ok=True)
    (checkpoints / TINY_CHECKPOINT).symlink_to(sd15_models_dir() / "checkpoints" / TINY_CHECKPOINT)

    config = load_config(
        config_out,
        environ={"INKFRAME__APP__DATA_DIR": str(tmp_path / "data"), "INKFRAME__COMFYUI__TIMEOUTS__READY": "300"},
    )
    with open_backend(config) as url:  # what `python main.py` does with comfyui.launch set
        assert backend_models_service.backend_models(config, url, "checkpoints", refresh=True) == [TINY_CHECKPOINT]
        out = tmp_path / "out"
        run = subprocess.run(
            [
                sys.executable,
                "main.py",
                "run",
                "workflows/background.json",
                "--set",
                f"checkpoint={TINY_CHECKPOINT}",
                "--set",
                "steps=2",
                "--set",
                "width=256",
                "--set",
                "height=256",
                "--out",
                str(out),
                "--comfyui-url",
                url,
                "--quiet",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr
    assert sorted(out.glob("*.png")), "the run saved no image"
