"""Your own workflows: uploads of JSON or ComfyUI PNGs into the user's workflows folder."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from app.config import Config
from app.services import workflow_upload_service as uploads
from app.workflows.library import WORKFLOWS_DIR

API_PROMPT = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
    "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}},
}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config.model_validate({"app": {"data_dir": str(tmp_path / "data")}})


def png_with(chunks: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def test_ui_json_is_kept_under_a_safe_name(config: Config):
    path = uploads.add_workflow(config, "../My Harbour (v2).json", (WORKFLOWS_DIR / "background.json").read_bytes())
    assert path == uploads.user_workflows_dir(config) / "my_harbour_v2.json"
    assert uploads.user_workflows(config) == [path]
    assert [p.name for p in path.parent.iterdir()] == ["my_harbour_v2.json"]  # no temporary file left


def test_png_with_an_embedded_workflow_prefers_the_ui_graph(config: Config):
    ui = (WORKFLOWS_DIR / "background.json").read_text()
    path = uploads.add_workflow(
        config, "ComfyUI_00001_.png", png_with({"prompt": json.dumps(API_PROMPT), "workflow": ui})
    )
    assert json.loads(path.read_text())["nodes"]
    api_only = uploads.add_workflow(config, "api.png", png_with({"prompt": json.dumps(API_PROMPT)}))
    assert json.loads(api_only.read_text()) == API_PROMPT


@pytest.mark.parametrize(
    ("name", "data", "sentence"),
    [
        ("plain.png", png_with({}), "holds no ComfyUI workflow"),
        ("notes.json", b'{"hello": "world"}', "is not a workflow the studio can read"),
        ("broken.json", b'{"nodes": [', "is not valid JSON"),
        ("binary.json", b"\xff\xfe\x00", "neither a workflow JSON file nor a PNG"),
        (
            "background.json",
            (WORKFLOWS_DIR / "background.json").read_bytes(),
            "a built-in workflow is called 'background'",
        ),
        ("...json", b"{}", "gives no usable workflow name"),
    ],
)
def test_bad_uploads_are_refused_with_one_sentence_and_nothing_written(config: Config, name, data, sentence):
    with pytest.raises(uploads.WorkflowUploadError, match=sentence):
        uploads.add_workflow(config, name, data)
    assert uploads.user_workflows(config) == []


def test_size_is_limited(config: Config, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_WORKFLOW_BYTES", 1024)
    with pytest.raises(uploads.WorkflowUploadError, match="may be at most"):
        uploads.add_workflow(config, "big.json", b" " * 2048)


def test_a_user_workflow_is_queued_by_its_path(config: Config, monkeypatch):
    from app.services import capability_service
    from app.services import workflow_form_service as forms

    path = uploads.add_workflow(config, "mine.json", (WORKFLOWS_DIR / "background.json").read_bytes())
    monkeypatch.setattr(capability_service, "check", lambda *_a, **_k: None)
    monkeypatch.setattr(capability_service, "workflow_blocker", lambda *_a, **_k: None)
    submitted = []

    class Queue:
        def submit(self, specs):
            submitted.extend(specs)
            return specs

    forms.submit(config, "http://127.0.0.1:1", str(path), {"prompt": "gulls"}, queue=Queue())
    builtin = forms.submit(config, "http://127.0.0.1:1", "background", {"prompt": "gulls"}, queue=Queue())
    assert submitted[0].parameters == {"workflow": str(path), "overrides": {"prompt": "gulls"}}
    assert builtin.parameters["workflow"] == "background"
