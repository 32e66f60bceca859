"""Transport to ComfyUI: the only HTTP/WebSocket code of the app (knows nothing of comics or faces).

Public API: `ComfyClient`, the typed results and events, the error hierarchy, `ManagedComfyUI`
and `check_backend`. See docs/comfy-client.md.
"""

from __future__ import annotations

from .client import ComfyClient, clear_object_info_cache
from .errors import (
    BackendDiedError,
    ComfyConnectionError,
    ComfyError,
    ComfyHTTPError,
    ComfyTimeoutError,
    ExecutionError,
    NodeValidationError,
    PromptInterrupted,
    PromptValidationError,
)
from .health import MAIN_BACKEND, BackendHealth, check_backend, probe
from .managed import ManagedComfyError, ManagedComfyUI
from .results import OutputFile, PromptResult, PromptTimings, QueueItem, QueueState, UploadResult

__all__ = [
    "BackendDiedError",
    "BackendHealth",
    "MAIN_BACKEND",
    "ComfyClient",
    "ComfyConnectionError",
    "ComfyError",
    "ComfyHTTPError",
    "ComfyTimeoutError",
    "ExecutionError",
    "ManagedComfyError",
    "ManagedComfyUI",
    "NodeValidationError",
    "OutputFile",
    "PromptInterrupted",
    "PromptResult",
    "PromptTimings",
    "PromptValidationError",
    "QueueItem",
    "QueueState",
    "UploadResult",
    "check_backend",
    "clear_object_info_cache",
    "probe",
]
