"""The typed events a ComfyUI run reports to its caller's `on_event` (run_service, motion_service), re-exported
from app/comfy for the entry points that show progress (app/cli/progress.py)."""

from __future__ import annotations

from ..comfy.events import Event, ExecutingEvent, ExecutionCachedEvent, ExecutionStartEvent, ProgressEvent

__all__ = ["Event", "ExecutingEvent", "ExecutionCachedEvent", "ExecutionStartEvent", "ProgressEvent"]
