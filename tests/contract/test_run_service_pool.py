"""run_workflow against recorded ComfyUI traffic: the client (and its WebSocket) is kept per backend between runs,
closed when a run fails or after it has been idle; /object_info is re-listed once when a preflight names something
the cached listing lacks, and forgotten when ComfyUI rejects a prompt the cached listing let through."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.comfy import ComfyHTTPError, PromptValidationError
from app.comfy.client import _OBJECT_INFO_CACHE, clear_object_info_cache
from app.comfy.pool import ClientPool
from app.config import Timeouts
from app.services import run_service
from app.services.run_service import RunError, run_workflow

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=2, read=5, upload=5, prompt=20, ready=5)


def recorded_prompt(transcript: dict) -> dict:
    return next(c for c in transcript["http"] if c["method"] == "POST" and c["path"] == "/prompt")["json"]["prompt"]


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch):
    pool = ClientPool(idle_close_s=60.0)
    monkeypatch.setattr(run_service, "CLIENTS", pool)
    yield pool
    pool.close_all()


def _workflow(tmp_path: Path, prompt: dict, name: str = "api.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(prompt), encoding="utf-8")
    return path


def test_the_second_run_reuses_the_first_runs_websocket(replay, transcript, pool, tmp_path):
    server = replay("a_simple_success")
    clear_object_info_cache(server.base_url)
    prompt = recorded_prompt(transcript("a_simple_success"))
    report = run_workflow(_workflow(tmp_path, prompt), [], tmp_path / "out", server.base_url, timeouts=FAST)
    assert [o.path.name for o in report.outputs] == ["a_simple_00001_.png"]
    assert pool.idle_count(server.base_url) == 1 and len(server.ws_connects) == 1
    # the replay has no second recorded prompt: the run fails at POST /prompt, after reusing the open socket
    with pytest.raises(ComfyHTTPError):
        run_workflow(_workflow(tmp_path, prompt), [], tmp_path / "out", server.base_url, timeouts=FAST)
    assert len(server.ws_connects) == 1 and server.count("POST", "/prompt") == 2
    assert server.count("GET", "/object_info") == 1  # the listing is cached per backend
    assert pool.idle_count(server.base_url) == 0  # a failed run does not hand its client on


def test_an_idle_client_closes_its_websocket(replay, transcript, monkeypatch, tmp_path):
    server = replay("a_simple_success")
    pool = ClientPool(idle_close_s=0.2)
    monkeypatch.setattr(run_service, "CLIENTS", pool)
    prompt = recorded_prompt(transcript("a_simple_success"))
    run_workflow(_workflow(tmp_path, prompt), [], tmp_path / "out", server.base_url, timeouts=FAST)
    with pool.borrow(server.base_url, FAST) as client:
        assert client.socket.connected
    deadline = time.monotonic() + 5
    while pool.idle_count() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pool.idle_count() == 0 and not client.socket.connected


def test_an_upload_missing_from_the_cached_listing_is_re_listed_once(replay, pool, tmp_path):
    server = replay(None)
    clear_object_info_cache(server.base_url)
    prompt = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "uploaded-elsewhere.png"}},
        "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
    }
    with pytest.raises(RunError, match="uploaded-elsewhere.png"):
        run_workflow(_workflow(tmp_path, prompt), [], tmp_path / "out", server.base_url, timeouts=FAST)
    assert server.count("GET", "/object_info") == 2  # cached copy, then one fresh listing: not a loop
    assert server.count("POST", "/prompt") == 0


def test_a_prompt_comfyui_rejects_forgets_the_cached_listing(replay, transcript, pool, tmp_path):
    server = replay("h_validation_errors")
    clear_object_info_cache(server.base_url)
    first = recorded_prompt(transcript("h_validation_errors"))
    info = json.loads(json.dumps(_listing(server)))
    _OBJECT_INFO_CACHE[server.base_url] = info
    _accept_everything(info, first)  # a cached listing that lets the bad prompt through preflight
    with pytest.raises(PromptValidationError):
        run_workflow(_workflow(tmp_path, first), [], tmp_path / "out", server.base_url, timeouts=FAST)
    assert server.base_url not in _OBJECT_INFO_CACHE  # the next run asks ComfyUI again


def _listing(server) -> dict:
    import requests

    return requests.get(server.base_url + "/object_info", timeout=5).json()


def _accept_everything(info: dict, prompt: dict) -> None:
    """Widen the listing so preflight passes `prompt`: its choice values listed, its node types known."""
    for node in prompt.values():
        spec = info.setdefault(node["class_type"], {"input": {"required": {}}, "output": [], "output_node": True})
        for section in ("required", "optional"):
            for name, declaration in (spec.get("input", {}).get(section) or {}).items():
                value = node["inputs"].get(name)
                if isinstance(declaration, list) and declaration and isinstance(declaration[0], list):
                    if value is not None and not isinstance(value, list) and value not in declaration[0]:
                        declaration[0].append(value)
