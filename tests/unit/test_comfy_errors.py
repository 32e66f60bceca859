"""Error sentences: node_errors rendered per node, transport errors translated in one place."""

from __future__ import annotations

import requests
import websocket

from app.comfy.errors import (
    ComfyConnectionError,
    ComfyError,
    ComfyHTTPError,
    ComfyTimeoutError,
    ExecutionError,
    PromptInterrupted,
    PromptValidationError,
    translate_transport_error,
)
from app.errors import InkframeError


def body(node_id: str, class_type: str, *errors: dict) -> dict:
    return {
        "error": {
            "type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation",
            "details": "",
            "extra_info": {},
        },
        "node_errors": {node_id: {"errors": list(errors), "dependent_outputs": [], "class_type": class_type}},
    }


def test_the_issue_example_sentence():
    error = PromptValidationError.from_response(
        body(
            "5",
            "KSampler",
            {
                "type": "value_smaller_than_min",
                "message": "Value 0 smaller than min of 1",
                "details": "steps",
                "extra_info": {
                    "input_name": "steps",
                    "input_config": ["INT", {"default": 20, "min": 1, "max": 10000}],
                    "received_value": 0,
                },
            },
        )
    )
    assert str(error) == "ComfyUI rejected the prompt: node 5 (KSampler): steps 0 is below the minimum 1."
    assert isinstance(error, ComfyError) and isinstance(error, InkframeError) and error.exit_code == 1
    assert error.node_errors[0].node_id == "5" and error.error_type == "prompt_outputs_failed_validation"


def test_several_nodes_are_listed_in_id_order():
    data = body(
        "10",
        "VAEDecode",
        {
            "type": "required_input_missing",
            "message": "Required input is missing",
            "details": "vae",
            "extra_info": {"input_name": "vae"},
        },
    )
    data["node_errors"]["4"] = {
        "class_type": "CheckpointLoaderSimple",
        "errors": [
            {
                "type": "value_not_in_list",
                "message": "Value not in list",
                "details": "ckpt_name: 'x' not in []",
                "extra_info": {"input_name": "ckpt_name", "input_config": [[], {}], "received_value": "x.safetensors"},
            }
        ],
    }
    assert str(PromptValidationError.from_response(data)) == (
        "ComfyUI rejected the prompt: node 4 (CheckpointLoaderSimple): ckpt_name 'x.safetensors' is not one of the "
        "allowed values (none installed); node 10 (VAEDecode): required input vae is missing."
    )


def test_unknown_error_types_fall_back_to_the_message():
    error = PromptValidationError.from_response(
        body("2", "Foo", {"type": "custom_validation_failed", "message": "Bad seed", "details": "seed=-1"})
    )
    assert str(error) == "ComfyUI rejected the prompt: node 2 (Foo): bad seed (seed=-1)."
    assert (
        str(PromptValidationError.from_response({"error": "Invalid prompt", "node_errors": {}}))
        == "ComfyUI rejected the prompt: invalid prompt."
    )


def test_execution_and_interrupt_sentences():
    error = ExecutionError("p", "7", "KSampler", "CUDA out of memory\n", "torch.OutOfMemoryError")
    assert str(error) == "node 7 (KSampler) failed with torch.OutOfMemoryError: CUDA out of memory."
    assert error.prompt_id == "p"
    assert str(PromptInterrupted("p")) == "prompt p was interrupted."


def test_translation_in_one_place():
    url = "http://127.0.0.1:8188"
    refused = translate_transport_error(
        requests.ConnectionError("[Errno 111] Connection refused"), url=url, action="GET /x"
    )
    assert isinstance(refused, ComfyConnectionError)
    assert str(refused) == (
        "cannot reach ComfyUI at http://127.0.0.1:8188 (connection refused); start ComfyUI or set "
        "comfyui.url / --comfyui-url."
    )
    assert isinstance(translate_transport_error(requests.ReadTimeout(), url=url, action="GET /x"), ComfyTimeoutError)
    assert isinstance(
        translate_transport_error(websocket.WebSocketTimeoutException(), url=url, action="ws"), ComfyTimeoutError
    )
    assert isinstance(
        translate_transport_error(websocket.WebSocketConnectionClosedException("x"), url=url, action="ws"),
        ComfyConnectionError,
    )
    assert isinstance(translate_transport_error(ConnectionResetError(), url=url, action="ws"), ComfyConnectionError)
    same = ComfyError("x")
    assert translate_transport_error(same, url=url, action="a") is same
    http = ComfyHTTPError("GET", url + "/view", 404, "404: Not Found")
    assert (http.status, str(http)) == (
        404,
        "ComfyUI answered GET http://127.0.0.1:8188/view with HTTP 404: 404: Not Found.",
    )
