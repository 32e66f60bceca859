"""Loading workflow files: format detection and one-sentence errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.workflows import WorkflowError, detect_format, load_workflow

UI = {
    "nodes": [
        {
            "id": 1,
            "type": "EmptyImage",
            "inputs": [],
            "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}],
            "widgets_values": [64, 64, 1, 0],
        },
        {
            "id": 2,
            "type": "SaveImage",
            "inputs": [{"name": "images", "type": "IMAGE", "link": 1}],
            "widgets_values": ["x"],
        },
    ],
    "links": [[1, 1, 0, 2, 0, "IMAGE"]],
}
API = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 64}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0]}},
}


def write(tmp_path: Path, text: str, name: str = "w.json") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_detects_ui_and_api_formats(tmp_path: Path) -> None:
    assert detect_format(UI) == "ui"
    assert detect_format(API) == "api"
    assert detect_format({"prompt": API, "client_id": "x"}) == "api"
    ui = load_workflow(write(tmp_path, json.dumps(UI), "ui.json"))
    api = load_workflow(write(tmp_path, json.dumps(API), "api.json"))
    assert (ui.name, ui.format, api.format) == ("ui", "ui", "api")
    assert load_workflow(write(tmp_path, json.dumps({"prompt": API}), "wrapped.json")).raw == API


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "nodes": [,]\n}')
    with pytest.raises(WorkflowError) as err:
        load_workflow(path)
    assert str(err.value) == f"Workflow file {path} is not valid JSON: Expecting value at line 2 column 13."


def test_truncated_file(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(UI)[:120])
    with pytest.raises(WorkflowError) as err:
        load_workflow(path)
    assert str(err.value).startswith(f"Workflow file {path} is truncated: the JSON ends at line 1 column ")
    assert str(err.value).endswith(" before it is complete.")


def test_empty_and_wrong_shapes(tmp_path: Path) -> None:
    empty = write(tmp_path, "  \n", "empty.json")
    with pytest.raises(WorkflowError, match=r"^Workflow file .*empty.json is empty.$"):
        load_workflow(empty)
    array = write(tmp_path, "[1, 2]", "array.json")
    with pytest.raises(WorkflowError, match=r"^Workflow file .*array.json holds a JSON list, not a workflow object.$"):
        load_workflow(array)
    other = write(tmp_path, '{"hello": 1}', "other.json")
    with pytest.raises(WorkflowError) as err:
        load_workflow(other)
    assert str(err.value) == (
        "The file is neither a ComfyUI workflow (a 'nodes' list) "
        "nor an API prompt (node ids mapping to class_type and inputs)."
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError) as err:
        load_workflow(tmp_path / "nope.json")
    assert str(err.value) == f"Workflow file {tmp_path / 'nope.json'} does not exist."


def test_link_to_missing_node(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(UI))
    broken["links"] = [[1, 7, 0, 2, 0, "IMAGE"]]
    with pytest.raises(WorkflowError) as err:
        load_workflow(write(tmp_path, json.dumps(broken), "broken.json"))
    assert str(err.value) == "Workflow broken has link 1 from node 7, which does not exist; re-save it from ComfyUI."
