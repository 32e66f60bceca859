"""The built-in library: every workflow lints clean against the recorded object_info of the node packs
it needs, is up to date with scripts/build_workflows.py, declares parameters and an output; plus the CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.workflows import list_workflows, load_workflow, parameter_schema
from app.workflows.lint import align_input_lists, lint_workflow, project_object_info, recorded_object_info
from app.workflows.manifest import load_library_manifest
from app.workflows.widgets import NodeSpecs

REPO = Path(__file__).resolve().parents[2]
LIBRARY = list_workflows()
EXPECTED = {
    "panel",
    "character_sheet",
    "background",
    "img2img_restyle",
    "inpaint_region",
    "upscale_face_restore",
    "pose_extraction",
    "pose_animation",
    "portrait_animation",
    "image_to_video",
    "text_to_video",
    "faceswap_image",
    "faceswap_video",
    "wan22_text_to_video",
    "wan22_image_to_video",
    "wan22_i2v_14b",
    "wan22_first_last_frame",
    "wan22_pose_control",
}


@pytest.fixture(scope="module")
def specs(comfy_shared: Path) -> NodeSpecs:
    return NodeSpecs(align_input_lists({**recorded_object_info(comfy_shared), **project_object_info()}))


def test_library_has_every_workflow() -> None:
    assert EXPECTED <= {p.stem for p in LIBRARY}


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_workflow_lints_clean(path: Path, specs: NodeSpecs) -> None:
    report = lint_workflow(load_workflow(path), specs, load_library_manifest(), check_models=False)
    assert report.sentences() == []


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_workflow_declares_parameters_and_outputs(path: Path) -> None:
    workflow = load_workflow(path)
    assert workflow.format == "ui" and workflow.parameters and all(p.declared for p in parameter_schema(workflow))
    types = {n["type"] for n in workflow.raw["nodes"]}
    assert types & {"SaveImage", "VHS_VideoCombine", "SaveVideo"}
    # parameters ride on core nodes; only a workflow using the project's working nodes needs its pack, and says so
    own = {t for t in types if t.startswith("Inkframe")}
    assert own <= {"InkframeFaceSwap"}
    assert workflow.raw["extra"]["inkframe"].get("requires", []) == (["inkframe_nodes"] if own else [])
    assert path.stem in (REPO / "docs" / "workflows.md").read_text()


def test_committed_files_match_the_builder(comfy_shared: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_workflows", REPO / "scripts" / "build_workflows.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_cli_convert_show_list_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str], comfy_shared: Path) -> None:
    assert cli_main(["workflows", "convert", "background"]) == 0
    prompt = json.loads(capsys.readouterr().out)
    assert {n["class_type"] for n in prompt.values()} >= {"KSampler", "SaveImage"}
    assert not any(n["class_type"].startswith("Inkframe") for n in prompt.values())
    assert cli_main(["workflows", "show", "background", "--json"]) == 0
    assert "prompt" in {p["name"] for p in json.loads(capsys.readouterr().out)}
    assert cli_main(["workflows", "list"]) == 0
    assert "text_to_video" in capsys.readouterr().out
    assert cli_main(["workflows", "lint", "background", "panel"]) == 0
    bad = tmp_path / "bad.json"
    workflow = load_workflow(REPO / "workflows" / "background.json").raw
    sampler = next(n for n in workflow["nodes"] if n["type"] == "KSampler")
    sampler["widgets_values"][4] = "no_such_sampler"  # seed, control_after_generate, steps, cfg, sampler_name
    bad.write_text(json.dumps(workflow))
    assert cli_main(["workflows", "lint", str(bad)]) == 1
    out = capsys.readouterr()
    assert "input 'sampler_name' is 'no_such_sampler', which is not one of:" in out.out
    assert "error: 1 workflow(s) have problems" in out.err


def test_cli_unknown_workflow_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["workflows", "show", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "error: Workflow 'nope' is neither a file nor a library workflow; the library has: background, "
    )
