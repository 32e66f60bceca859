"""One error hierarchy for everything that can go wrong while talking to ComfyUI.

Every error is an `InkframeError`, so its message is one sentence the CLI can print as is.
Lower-level `requests` / `websocket-client` / socket errors are translated in one place:
`translate_transport_error`.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket

from app.errors import InkframeError

FIX_CONNECTION = "start ComfyUI or set comfyui.url / --comfyui-url"


class ComfyError(InkframeError):
    """Anything that went wrong between the app and a ComfyUI server.

    `maybe_sent` is True on a failed POST that may still have reached the server.
    """

    maybe_sent: bool = False

    def __init__(self, message: str, *, prompt_id: str | None = None) -> None:
        super().__init__(message)
        self.prompt_id = prompt_id


class ComfyConnectionError(ComfyError):
    """The server could not be reached (refused, reset, DNS, closed socket)."""

    def __init__(self, url: str, reason: str = "", *, prompt_id: str | None = None) -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(f"cannot reach ComfyUI at {url}{detail}; {FIX_CONNECTION}.", prompt_id=prompt_id)
        self.url = url
        self.reason = reason


class ComfyTimeoutError(ComfyError):
    """A call or a whole prompt took longer than its explicit timeout."""


class ComfyHTTPError(ComfyError):
    """The server answered with an unexpected HTTP status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        snippet = " ".join(body.split())[:200]
        super().__init__(f"ComfyUI answered {method} {url} with HTTP {status}: {snippet or '(empty body)'}.")
        self.method = method
        self.url = url
        self.status = status
        self.body = body


@dataclass(frozen=True)
class NodeValidationError:
    """One entry of ComfyUI's `node_errors`, rendered as a sentence by `describe()`."""

    node_id: str
    class_type: str
    type: str
    message: str
    details: str = ""
    extra_info: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"node {self.node_id} ({self.class_type}): {_describe_node_error(self)}"


class PromptValidationError(ComfyError):
    """ComfyUI rejected a prompt (HTTP 400 on POST /prompt)."""

    def __init__(
        self, error_type: str, message: str, node_errors: list[NodeValidationError], details: str = ""
    ) -> None:
        self.error_type = error_type
        self.node_errors = node_errors
        self.details = details
        super().__init__(_describe_prompt_error(error_type, message, details, node_errors))

    @classmethod
    def from_response(cls, body: Mapping[str, Any]) -> PromptValidationError:
        """Build from the JSON body ComfyUI returns with status 400."""
        error = body.get("error")
        if isinstance(error, str):  # very old releases sent a bare string
            error = {"type": "invalid_prompt", "message": error}
        error = error if isinstance(error, Mapping) else {}
        node_errors: list[NodeValidationError] = []
        for node_id, entry in sorted((body.get("node_errors") or {}).items(), key=lambda kv: _node_sort_key(kv[0])):
            for item in entry.get("errors", []):
                node_errors.append(
                    NodeValidationError(
                        node_id=str(node_id),
                        class_type=str(entry.get("class_type", "?")),
                        type=str(item.get("type", "")),
                        message=str(item.get("message", "")),
                        details=str(item.get("details", "")),
                        extra_info=dict(item.get("extra_info") or {}),
                    )
                )
        return cls(
            str(error.get("type", "invalid_prompt")),
            str(error.get("message", "the prompt is invalid")),
            node_errors,
            str(error.get("details", "")),
        )


class ExecutionError(ComfyError):
    """A node raised while ComfyUI executed the prompt (`execution_error`)."""

    def __init__(
        self,
        prompt_id: str,
        node_id: str,
        node_type: str,
        message: str,
        exception_type: str,
        traceback: list[str] | None = None,
    ) -> None:
        text = message.strip().rstrip(".") or "no message"
        super().__init__(f"node {node_id} ({node_type}) failed with {exception_type}: {text}.", prompt_id=prompt_id)
        self.node_id = node_id
        self.node_type = node_type
        self.exception_message = message
        self.exception_type = exception_type
        self.traceback = traceback or []


class PromptInterrupted(ComfyError):
    """The prompt was interrupted before it finished (`execution_interrupted`)."""

    def __init__(self, prompt_id: str, node_id: str | None = None, node_type: str | None = None) -> None:
        where = f" at node {node_id} ({node_type})" if node_id else ""
        super().__init__(f"prompt {prompt_id} was interrupted{where}.", prompt_id=prompt_id)
        self.node_id = node_id
        self.node_type = node_type


class BackendDiedError(ComfyError):
    """The server went away (or lost the prompt) while a prompt was running."""


def translate_transport_error(exc: BaseException, *, url: str, action: str) -> ComfyError:
    """Map a requests / websocket-client / socket error to the hierarchy (the one place that does it)."""
    if isinstance(exc, ComfyError):
        return exc
    if isinstance(exc, (requests.Timeout, socket.timeout, websocket.WebSocketTimeoutException, TimeoutError)):
        return ComfyTimeoutError(
            f"ComfyUI at {url} did not answer {action} in time; "
            "check that it is not overloaded or raise comfyui.timeouts."
        )
    if isinstance(exc, websocket.WebSocketBadStatusException):
        return ComfyHTTPError("GET", url, getattr(exc, "status_code", 0) or 0, str(exc))
    if isinstance(exc, (requests.ConnectionError, websocket.WebSocketException, ConnectionError, OSError)):
        return ComfyConnectionError(url, _short_reason(exc))
    return ComfyError(f"unexpected error while {action} at {url}: {type(exc).__name__}: {exc}.")


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Connection reset",
        "Name or service not known",
        "Remote end closed",
        "Connection aborted",
        "Connection to remote host was lost",
        "socket is already closed",
    ):
        if marker.lower() in text.lower():
            return marker.lower()
    return type(exc).__name__


def _node_sort_key(node_id: str) -> tuple[int, str]:
    return (0, f"{int(node_id):012d}") if str(node_id).isdigit() else (1, str(node_id))


def _describe_prompt_error(error_type: str, message: str, details: str, node_errors: list[NodeValidationError]) -> str:
    if node_errors:
        parts = "; ".join(error.describe() for error in node_errors)
        return f"ComfyUI rejected the prompt: {parts}."
    if error_type == "invalid_prompt":
        node = f" ({details})" if details else ""
        text = message.rstrip(".").replace("Cannot execute because ", "")
        if "does not exist" in text:
            text = text.replace("node ", "unknown node type ", 1)
            text = text.replace(" does not exist", "; install the node pack that provides it or fix the class_type")
        return f"ComfyUI rejected the prompt: {text[0].lower() + text[1:]}{node}."
    if error_type == "prompt_no_outputs":
        return "ComfyUI rejected the prompt: it has no output node (add a SaveImage or another output node)."
    if error_type == "no_prompt":
        return "ComfyUI rejected the request: the body has no prompt."
    text = message.rstrip(".") or error_type
    return f"ComfyUI rejected the prompt: {text}{f' ({details})' if details else ''}."


def _describe_node_error(error: NodeValidationError) -> str:
    info = error.extra_info
    name = info.get("input_name") or error.details.split(",")[0].split(":")[0].strip() or "an input"
    config = info.get("input_config")
    options = (
        config[1] if isinstance(config, (list, tuple)) and len(config) > 1 and isinstance(config[1], Mapping) else {}
    )
    value = info.get("received_value")
    if error.type == "value_smaller_than_min":
        return f"{name} {value!r} is below the minimum {options.get('min', '?')}"
    if error.type == "value_bigger_than_max":
        return f"{name} {value!r} is above the maximum {options.get('max', '?')}"
    if error.type == "value_not_in_list":
        allowed = config[0] if isinstance(config, (list, tuple)) and config and isinstance(config[0], list) else []
        shown = ", ".join(repr(item) for item in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        return f"{name} {value!r} is not one of the allowed values ({shown or 'none installed'})"
    if error.type == "required_input_missing":
        return f"required input {name} is missing"
    if error.type == "invalid_input_type":
        kind = config[0] if isinstance(config, (list, tuple)) and config else "the expected type"
        return f"{name} {value!r} cannot be converted to {kind}"
    if error.type == "return_type_mismatch":
        linked = info.get("linked_node")
        source = (
            f" from node {linked[0]} output {linked[1]}"
            if isinstance(linked, (list, tuple)) and len(linked) == 2
            else ""
        )
        expected = config[0] if isinstance(config, (list, tuple)) and config else "?"
        return f"{name} expects {expected} but is linked to {info.get('received_type', '?')}{source}"
    if error.type == "exception_during_validation":
        exc_type = info.get("exception_type", "an exception")
        return (
            f"validation raised {exc_type} {error.details} "
            "(a link to a missing node or to an output index that does not exist?)"
        )
    text = error.message.rstrip(".") or error.type
    return f"{text[0].lower() + text[1:]}{f' ({error.details})' if error.details else ''}"
