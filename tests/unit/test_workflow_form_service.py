"""Workflow forms: the library, queueing a run, and the round trip through the ComfyUI editor's user data."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from app.config import load_config
from app.errors import InkframeError
from app.services import workflow_form_service as forms

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


class FakeQueue:
    def __init__(self):
        self.specs = []

    def submit(self, specs):
        self.specs.extend(specs)
        return [type("Job", (), {"id": "job123"})() for _ in specs]


class ComfyStub(BaseHTTPRequestHandler):
    """/api/userdata/<file> GET/POST and /upload/image, as ComfyUI serves them."""

    store: dict[str, bytes] = {}
    uploads: list[str] = []

    def log_message(self, *args):
        pass

    def _reply(self, status, body=b"{}"):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        key = urllib.parse.unquote(path.removeprefix("/api/userdata/"))
        if key in self.store:
            self._reply(200, self.store[key])
        else:
            self._reply(404, b'{"error": "not found"}')

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = urllib.parse.urlsplit(self.path).path
        if path == "/upload/image":
            self.uploads.append(self.headers.get("Content-Type", ""))
            self._reply(200, json.dumps({"name": "face.png", "subfolder": "inkframe", "type": "input"}).encode())
            return
        self.store[urllib.parse.unquote(path.removeprefix("/api/userdata/"))] = body
        self._reply(200, b'"ok"')


@pytest.fixture
def comfy_stub():
    ComfyStub.store, ComfyStub.uploads = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ComfyStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_library_lists_every_workflow_with_parameters():
    names = {info.name for info in forms.library()}
    assert {path.stem for path in WORKFLOWS.glob("*.json")} == names
    panel = forms.describe("panel")
    assert "prompt" in {p.name for p in panel.parameters}


def test_submit_queues_a_workflow_job_with_overrides():
    queue = FakeQueue()
    job = forms.submit(
        load_config(),
        "http://127.0.0.1:9",
        "background",
        {"prompt": "a harbour", "seed": 7, "steps": None},
        queue=queue,
        priority=5,
    )
    assert job.id == "job123"
    spec = queue.specs[0]
    assert (spec.kind, spec.priority) == ("workflow", 5)
    assert spec.parameters == {"workflow": "background", "overrides": {"prompt": "a harbour", "seed": 7}}


def test_unknown_parameter_and_workflow_are_one_sentence():
    with pytest.raises(forms.WorkflowFormError, match="has no parameter 'colour'"):
        forms.submit(load_config(), "http://127.0.0.1:9", "background", {"colour": 1}, queue=FakeQueue())
    with pytest.raises(forms.WorkflowFormError, match="neither a file nor a library workflow"):
        forms.describe("no_such_flow")


def test_image_parameters_are_uploaded_first(comfy_stub, tmp_path):
    face = tmp_path / "face.png"
    Image.new("RGB", (8, 8)).save(face)
    queue = FakeQueue()
    forms.submit(load_config(), comfy_stub, "img2img_restyle", {"image": str(face)}, queue=queue)
    assert queue.specs[0].parameters["overrides"]["image"] == "inkframe/face.png"
    assert ComfyStub.uploads and ComfyStub.uploads[0].startswith("multipart/form-data")


def test_publish_then_pull_edits_from_the_editor(comfy_stub, tmp_path):
    copy = tmp_path / "background.json"
    shutil.copyfile(WORKFLOWS / "background.json", copy)
    saved_as = forms.publish(load_config(), comfy_stub, str(copy))
    assert saved_as == "workflows/inkframe/background.json"
    assert json.loads(ComfyStub.store[saved_as]) == json.loads(copy.read_text())
    assert forms.pull_edits(load_config(), comfy_stub, str(copy)) is False  # nothing changed in the editor
    edited = json.loads(ComfyStub.store[saved_as])
    edited["extra"] = {"edited": True}
    ComfyStub.store[saved_as] = json.dumps(edited).encode()
    assert forms.pull_edits(load_config(), comfy_stub, str(copy)) is True
    assert json.loads(copy.read_text())["extra"] == {"edited": True}
    ComfyStub.store[saved_as] = b'{"not": "a workflow"}'
    with pytest.raises(forms.WorkflowFormError, match="is not a workflow"):
        forms.pull_edits(load_config(), comfy_stub, str(copy))


def test_queue_blocker_names_what_the_backend_lacks(monkeypatch, object_info_core):
    """A form's "Queue it" stays off with one sentence when the backend cannot run the workflow (issue 13)."""
    import copy

    from app.services import capability_service

    bare = copy.deepcopy(object_info_core)
    bare["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] = []  # a stock ComfyUI with no checkpoint yet
    result = capability_service.BackendCapabilities(
        "http://127.0.0.1:9", report=capability_service.capabilities_of(bare)
    )
    monkeypatch.setattr(capability_service, "check", lambda *_a, **_k: result)
    blocker = forms.queue_blocker(load_config(), "http://127.0.0.1:9", "background")
    assert blocker.startswith("Background") and "checkpoint" in blocker.lower()
    assert blocker.count("\n") == 0
    with pytest.raises(InkframeError, match="cannot run on http://127.0.0.1:9"):
        forms.submit(load_config(), "http://127.0.0.1:9", "background", {"prompt": "a harbour"}, queue=FakeQueue())
    unreachable = capability_service.BackendCapabilities("http://127.0.0.1:9", error="Cannot reach it.")
    monkeypatch.setattr(capability_service, "check", lambda *_a, **_k: unreachable)
    assert forms.queue_blocker(load_config(), "http://127.0.0.1:9", "background") == ""  # the queue waits for it


def test_a_face_swap_form_without_the_consent_box_is_refused_before_anything_is_queued(monkeypatch):
    def no_backend(*_a, **_k):
        raise AssertionError("the backend must not be asked before consent is given")

    monkeypatch.setattr(forms, "queue_blocker", no_backend)
    for name in ("faceswap_image", "faceswap_video"):
        with pytest.raises(forms.WorkflowFormError, match="^face swap needs your confirmation"):
            forms.submit(load_config(), "http://127.0.0.1:9", name, {"i_have_consent": False}, queue=FakeQueue())
    info = forms.describe("faceswap_image")
    assert forms.consent_refusal(info, {"i_have_consent": True}) == ""
    assert forms.consent_refusal(forms.describe("background"), {}) == ""  # no face swap in it
