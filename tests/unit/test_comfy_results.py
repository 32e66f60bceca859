from __future__ import annotations

from app.comfy.results import QueueState, UploadResult
from app.comfy.ws import ws_url


def test_queue_state_from_the_wire():
    state = QueueState.from_wire(
        {
            "queue_running": [[5, "a", {"1": {}}, {"client_id": "c"}, ["5"]]],
            "queue_pending": [[6, "b", {}, {}, []], [7, "c"]],
        }
    )
    assert state.running[0].prompt_id == "a" and state.running[0].client_id == "c"
    assert state.running[0].outputs_to_execute == ("5",)
    assert state.is_running("a") and state.is_pending("c") and not state.contains("zz")
    assert QueueState.from_wire({}) == QueueState((), ())


def test_upload_reference_and_rename():
    assert UploadResult("a (1).png", "", "input", "a.png").renamed
    assert UploadResult("a.png", "sub", "input", "a.png").reference == "sub/a.png"
    assert UploadResult("a.png", "", "output", "a.png").reference == "a.png [output]"


def test_ws_url():
    assert ws_url("http://127.0.0.1:8188", "abc") == "ws://127.0.0.1:8188/ws?clientId=abc"
    assert ws_url("https://host/comfy/", "x y") == "wss://host/comfy/ws?clientId=x%20y"
