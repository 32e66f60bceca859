"""ComfyClient against recorded ComfyUI traffic (one test per recorded scenario, plus faults)."""

from __future__ import annotations

import json
import time

import pytest
import requests
import websocket

from app.backoff import Backoff
from app.comfy import (
    BackendDiedError,
    ComfyClient,
    ComfyTimeoutError,
    ExecutionError,
    PromptInterrupted,
    PromptValidationError,
)
from app.comfy.client import clear_object_info_cache
from app.comfy.events import (
    ExecutedEvent,
    ExecutingEvent,
    ExecutionCachedEvent,
    ExecutionStartEvent,
    ExecutionSuccessEvent,
    ProgressStateEvent,
    StatusEvent,
)
from app.config import Timeouts

pytestmark = pytest.mark.timeout(60)

FAST = Timeouts(connect=2, read=5, upload=5, prompt=20, ready=5)
QUICK_RECONNECT = Backoff(attempts=3, base=0.05, factor=2, cap=0.2)


def recorded_prompt(transcript: dict, index: int = 0) -> dict:
    posts = [call for call in transcript["http"] if call["method"] == "POST" and call["path"] == "/prompt"]
    return posts[index]["json"]["prompt"]


def client_for(server, **kwargs) -> ComfyClient:
    kwargs.setdefault("timeouts", FAST)
    kwargs.setdefault("reconnect", QUICK_RECONNECT)
    kwargs.setdefault("poll_interval", 0.3)
    return ComfyClient(server.base_url, **kwargs)


def test_simple_success_round_trip(replay, transcript, comfy_shared):
    server = replay("a_simple_success")
    events = []
    with client_for(server) as client:
        result = client.run(recorded_prompt(transcript("a_simple_success")), on_event=events.append)
    assert result.status == "success" and result.completed_via == "execution_success"
    assert result.outputs == {
        "3": {"images": [{"filename": "a_simple_00001_.png", "subfolder": "fixtures", "type": "output"}]}
    }
    [image] = result.files
    assert (image.node_id, image.filename, image.subfolder, image.type, image.kind, image.source) == (
        "3",
        "a_simple_00001_.png",
        "fixtures",
        "output",
        "image",
        "view",
    )
    assert image.data == (comfy_shared / "transcripts" / "a_simple_success.view_0.png").read_bytes()
    # the WebSocket is open before the prompt is posted; the POST names the client and the prompt id
    assert server.timeline.index(f"WS {client.client_id}") < server.timeline.index("POST /prompt")
    [post] = [r for r in server.requests if r.path == "/prompt"]
    assert post.json["client_id"] == client.client_id and post.json["prompt_id"] == result.prompt_id
    kinds = {type(event) for event in events}
    assert {
        ExecutionStartEvent,
        ExecutionCachedEvent,
        ExecutingEvent,
        ProgressStateEvent,
        ExecutedEvent,
        ExecutionSuccessEvent,
    } <= kinds
    assert all(
        getattr(e, "prompt_id", result.prompt_id) == result.prompt_id for e in events if not isinstance(e, StatusEvent)
    )
    t = result.timings
    assert t.submitted_at <= t.first_event_at <= t.done_at <= t.fetched_at
    assert (t.comfy_started_ms, t.comfy_finished_ms) == (1795257060460, 1795257060471)
    assert server.count("GET", "/view") == 1 and server.count("GET", f"/history/{result.prompt_id}") == 0


def test_fully_cached_prompt_reports_cached_nodes(replay, transcript, comfy_shared):
    server = replay("b_fully_cached")
    with client_for(server) as client:
        result = client.run(recorded_prompt(transcript("b_fully_cached")))
    assert result.cached_nodes == ("1", "2", "3")
    assert result.files[0].data == (comfy_shared / "transcripts" / "b_fully_cached.view_0.png").read_bytes()


def test_upload_then_run_and_no_silent_overwrite(replay, transcript, comfy_shared, tmp_path):
    server = replay("c_upload_load_scale_save")
    body = (comfy_shared / "transcripts" / "c_upload_load_scale_save.upload_body.png").read_bytes()
    with client_for(server) as client:
        stored = client.upload_image(body, filename="fixture_upload.png")
        assert (stored.name, stored.subfolder, stored.type, stored.renamed) == (
            "fixture_upload.png",
            "",
            "input",
            False,
        )
        result = client.run(recorded_prompt(transcript("c_upload_load_scale_save")))
        assert (
            result.files[0].data == (comfy_shared / "transcripts" / "c_upload_load_scale_save.view_0.png").read_bytes()
        )
        other = tmp_path / "fixture_upload.png"
        other.write_bytes(body + b"different")
        renamed = client.upload_image(other)
        assert (renamed.name, renamed.renamed, renamed.reference) == (
            "fixture_upload (1).png",
            True,
            "fixture_upload (1).png",
        )
        replaced = client.upload_image(other, overwrite=True, subfolder="sub")
        assert (replaced.name, replaced.reference) == ("fixture_upload.png", "sub/fixture_upload.png")
        mask = client.upload_mask(
            body, filename="mask.png", original_ref={"filename": "fixture_upload.png", "type": "input"}
        )
        assert mask.name == "mask.png"
    uploads = [r for r in server.requests if r.path.startswith("/upload/")]
    assert [r.form["overwrite"] for r in uploads] == ["false", "false", "true", "false"]
    assert uploads[0].form["image"] == body and uploads[0].form["type"] == "input"
    assert '"filename": "fixture_upload.png"' in uploads[3].form["original_ref"]


def test_runtime_error_raises_execution_error(replay, transcript):
    server = replay("d_runtime_error")
    with client_for(server) as client, pytest.raises(ExecutionError) as caught:
        client.run(recorded_prompt(transcript("d_runtime_error")))
    error = caught.value
    assert (error.node_id, error.node_type, error.exception_type) == ("2", "ImageToMask", "IndexError")
    assert (
        str(error)
        == "node 2 (ImageToMask) failed with IndexError: index 3 is out of bounds for dimension 3 with size 3."
    )
    assert error.traceback and server.count("GET", "/view") == 0


def test_interrupt_one_prompt(replay, transcript):
    server = replay("e_interrupt")
    with client_for(server) as client:

        def interrupt_when_blurring(event):
            if isinstance(event, ExecutingEvent) and event.node == "2":
                client.interrupt(event.prompt_id)

        with pytest.raises(PromptInterrupted) as caught:
            client.run(recorded_prompt(transcript("e_interrupt")), on_event=interrupt_when_blurring)
    assert (caught.value.node_id, caught.value.node_type) == ("3", "ImageBlur")
    assert str(caught.value) == f"prompt {caught.value.prompt_id} was interrupted at node 3 (ImageBlur)."
    [call] = [r for r in server.requests if r.path == "/interrupt"]
    assert call.json == {"prompt_id": caught.value.prompt_id}


def test_prompt_timeout_is_explicit(replay, transcript):
    server = replay("e_interrupt")  # without the interrupt the recorded stream stalls mid-prompt
    with client_for(server) as client, pytest.raises(ComfyTimeoutError, match="did not finish within 0.5 s"):
        client.run(recorded_prompt(transcript("e_interrupt")), timeout=0.5)


@pytest.mark.parametrize(
    "scenario, preview_metadata", [("f_save_image_websocket", False), ("f_save_image_websocket_feature_flags", True)]
)
def test_images_from_binary_frames(replay, transcript, comfy_shared, scenario, preview_metadata):
    server = replay(scenario)
    with client_for(server, preview_metadata=preview_metadata) as client:
        result = client.run(recorded_prompt(transcript(scenario)))
        flags = client.server_feature_flags
    assert [(f.node_id, f.source, f.format, f.kind) for f in result.files] == [("4", "websocket", "PNG", "image")] * 2
    for index, file in enumerate(result.files):
        assert file.data == (comfy_shared / "transcripts" / f"{scenario}.ws_main_{index}.png").read_bytes()
    assert server.count("GET", "/view") == 0
    sent = [frame for _, frame in server.ws_sent_by_clients]
    if preview_metadata:
        assert sent == [{"type": "feature_flags", "data": {"supports_preview_metadata": True}}]
        assert flags == {"supports_preview_metadata": True, "max_upload_size": 104857600}
    else:
        assert sent == [] and flags == {}


def test_two_clients_and_a_prompt_submitted_elsewhere(replay, transcript, comfy_shared):
    server = replay("g_two_clients")
    recorded = transcript("g_two_clients")
    with client_for(server) as a:
        a.connect()
        b = websocket.create_connection(server.base_url.replace("http", "ws") + "/ws?clientId=bbbb", timeout=5)
        c = websocket.create_connection(server.base_url.replace("http", "ws") + "/ws", timeout=5)
        result = a.run(recorded_prompt(recorded, 0))
        assert result.files[0].data == (comfy_shared / "transcripts" / "g_two_clients.view_0.png").read_bytes()
        # a prompt posted without client_id: its per-prompt events reach nobody, history tells the end
        foreign = requests.post(server.base_url + "/prompt", json={"prompt": recorded_prompt(recorded, 1)}, timeout=5)
        foreign_id = foreign.json()["prompt_id"]
        other = a.wait(foreign_id, fetch=False)
        assert other.completed_via == "history"
        assert other.outputs["3"]["images"][0]["filename"].startswith("g_no_client")
    time.sleep(0.1)
    for sock, sid in ((b, "bbbb"), (c, None)):
        sock.settimeout(0.5)
        frames = []
        try:
            while True:
                frames.append(sock.recv())
        except websocket.WebSocketTimeoutException:
            pass
        sock.close()
        types = [json.loads(frame)["type"] for frame in frames]
        assert set(types) <= {"status", "progress_state"} and "executing" not in types
        if sid:
            assert f'"sid": "{sid}"' in frames[0]


H_EXPECTED = {
    "unknown_class_type": "ComfyUI rejected the prompt: unknown node type NoSuchNode; install the node pack that "
    "provides it or fix the class_type (Node ID '#1').",
    "missing_required_input": "ComfyUI rejected the prompt: node 1 (EmptyImage): required input color is missing.",
    "wrong_input_value_type": "ComfyUI rejected the prompt: node 1 (EmptyImage): "
    "width 'wide' cannot be converted to INT.",
    "wrong_link_type": "ComfyUI rejected the prompt: node 2 (SaveImage): images expects IMAGE but is linked to LATENT "
    "from node 1 output 0.",
    "value_below_min": "ComfyUI rejected the prompt: node 1 (EmptyImage): width 0 is below the minimum 1.",
    "value_above_max": "ComfyUI rejected the prompt: node 1 (EmptyImage): "
    "color 99999999 is above the maximum 16777215.",
    "combo_value_not_in_list": "ComfyUI rejected the prompt: node 1 (ImageScale): "
    "upscale_method 'cubic-ish' is not one "
    "of the allowed values ('nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos').",
    "no_output_node": "ComfyUI rejected the prompt: it has no output node (add a SaveImage or another output node).",
    "link_to_missing_node": "ComfyUI rejected the prompt: node 2 (SaveImage): validation raised KeyError '99' (a link "
    "to a missing node or to an output index that does not exist?).",
    "link_output_index_out_of_range": "ComfyUI rejected the prompt: node 2 (SaveImage): validation raised IndexError "
    "tuple index out of range (a link to a missing node or to an output index that "
    "does not exist?).",
    "missing_class_type_key": "ComfyUI rejected the prompt: a node is missing the class_type property (Node ID '#1').",
    "empty_prompt": "ComfyUI rejected the prompt: it has no output node (add a SaveImage or another output node).",
}


def test_validation_errors_are_one_sentence_each(replay, transcript):
    server = replay("h_validation_errors")
    recorded = transcript("h_validation_errors")
    seen = {}
    with client_for(server) as client:
        for call in recorded["http"]:
            if call["path"] != "/prompt" or call["label"] not in H_EXPECTED:
                continue
            with pytest.raises(PromptValidationError) as caught:
                client.submit(call["json"]["prompt"])
            seen[call["label"]] = str(caught.value)
        ui = next(call for call in recorded["http"] if call["label"] == "ui_format_workflow_as_prompt")
        with pytest.raises(Exception, match="UI format, but /prompt needs API format"):
            client.submit(ui["json"]["prompt"])
        assert client.queue().running == ()
    assert seen == H_EXPECTED
    assert server.count("POST", "/prompt") == len(H_EXPECTED)  # the UI-format workflow was never posted
    no_prompt = next(call for call in recorded["http"] if call["label"] == "no_prompt_key")
    assert (
        str(PromptValidationError.from_response(no_prompt["response"]["json"]))
        == "ComfyUI rejected the request: the body has no prompt."
    )


def test_websocket_drop_mid_prompt_is_reconciled_through_history(replay, transcript, comfy_shared):
    server = replay("a_simple_success", drop_after=6)
    with client_for(server) as client:
        result = client.run(recorded_prompt(transcript("a_simple_success")))
    assert result.reconnects == 1 and result.completed_via == "history"
    assert result.files[0].data == (comfy_shared / "transcripts" / "a_simple_success.view_0.png").read_bytes()
    assert (result.timings.comfy_started_ms, result.timings.comfy_finished_ms) == (1795257060460, 1795257060471)
    assert server.count("POST", "/prompt") == 1  # never re-posted
    assert server.count("GET", "/view") == 1  # neither lost nor fetched twice
    assert server.count("GET", f"/history/{result.prompt_id}") >= 1 and len(server.ws_connects) == 2


def test_websocket_drop_then_events_resume_on_the_new_socket(replay, transcript, comfy_shared):
    server = replay("a_simple_success", drop_after=6, resume_after_drop=0.5)
    with client_for(server) as client:
        result = client.run(recorded_prompt(transcript("a_simple_success")))
    assert result.reconnects == 1 and result.completed_via == "execution_success"
    assert [f.filename for f in result.files] == ["a_simple_00001_.png"]
    assert server.count("POST", "/prompt") == 1 and server.count("GET", "/view") == 1
    assert server.count("GET", "/queue") >= 1  # reconciled: still running, so it kept waiting


def test_wait_after_a_submit_made_without_the_socket(replay, transcript):
    server = replay("a_simple_success")
    with client_for(server) as client:
        prompt_id = client.submit(recorded_prompt(transcript("a_simple_success")))
        time.sleep(0.3)  # the prompt finishes before anyone listens
        result = client.wait(prompt_id)
    assert result.completed_via == "history" and len(result.files) == 1
    assert server.count("POST", "/prompt") == 1 and server.count("GET", "/view") == 1


def test_older_comfyui_that_only_sends_executing_null(replay, transcript):
    server = replay("a_simple_success", legacy=True)
    events = []
    with client_for(server) as client:
        result = client.run(recorded_prompt(transcript("a_simple_success")), on_event=events.append)
    assert result.completed_via == "executing_null" and len(result.files) == 1
    assert not any(isinstance(e, (ExecutionSuccessEvent, ProgressStateEvent)) for e in events)


def test_server_that_restarts_and_loses_the_prompt(replay, transcript):
    server = replay("a_simple_success", lose_after=6)
    with client_for(server) as client, pytest.raises(BackendDiedError, match="neither in the queue nor in the history"):
        client.run(recorded_prompt(transcript("a_simple_success")))
    assert server.count("POST", "/prompt") == 1


def test_server_that_dies_mid_prompt_ends_the_run(replay, transcript):
    server = replay("e_interrupt", die_after=6)
    started = time.monotonic()
    with client_for(server) as client, pytest.raises(BackendDiedError) as caught:
        client.run(recorded_prompt(transcript("e_interrupt")))
    assert time.monotonic() - started < 10
    assert server.base_url in str(caught.value) and caught.value.prompt_id


def test_server_information_and_control(replay):
    server = replay(None)
    clear_object_info_cache()
    with client_for(server) as client:
        assert client.system_stats()["system"]["comfyui_version"] == "0.3.64"
        assert client.features() == {"supports_preview_metadata": True, "max_upload_size": 104857600}
        info = client.object_info()
        assert "KSampler" in info and "SaveImageWebsocket" in info
        assert client.object_info() is info  # cached per backend
        assert ComfyClient(server.base_url).object_info() is info  # process-wide
        assert server.count("GET", "/object_info") == 1
        client.object_info(refresh=True)
        assert server.count("GET", "/object_info") == 2
        assert client.queue().running == () and client.history() == {}
        client.free()
        client.delete_from_queue(["p1", "p2"])
    posted = {r.path: r.json for r in server.requests if r.method == "POST"}
    assert posted == {"/free": {"unload_models": True, "free_memory": True}, "/queue": {"delete": ["p1", "p2"]}}
