"""Workflow files for the command line (`python main.py workflows ...`): load, convert, show parameters, lint, list.

Thin: the workflow layer does the work; this is the door app/cli goes through (docs/architecture.md), plus the
two reads of a live ComfyUI the commands need.
"""

from __future__ import annotations

from typing import Any

from ..comfy import ComfyClient, ComfyError
from ..errors import InkframeError
from ..workflows import WorkflowError, list_workflows, load_manifest, load_workflow, parameter_schema, resolve_workflow
from ..workflows.capabilities import PROJECT_PACK, summarise
from ..workflows.convert import to_api_prompt
from ..workflows.lint import (
    align_input_lists,
    declared_requirements,
    lint_workflow,
    load_object_info_files,
    project_object_info,
    recorded_object_info,
)
from ..workflows.manifest import load_library_manifest
from ..workflows.widgets import NodeSpecs

__all__ = [
    "PROJECT_PACK",
    "NodeSpecs",
    "WorkflowError",
    "align_input_lists",
    "declared_requirements",
    "lint_workflow",
    "list_workflows",
    "live_object_info",
    "load_library_manifest",
    "load_manifest",
    "load_object_info_files",
    "load_workflow",
    "parameter_schema",
    "project_object_info",
    "recorded_object_info",
    "resolve_workflow",
    "served_frontend_version",
    "summarise",
    "to_api_prompt",
]


def live_object_info(url: str) -> dict[str, Any]:
    """/object_info of the ComfyUI at `url`; one sentence naming the URL when it cannot be read."""
    try:
        with ComfyClient(url) as client:
            return client.object_info()
    except ComfyError as exc:
        raise InkframeError(f"Cannot read /object_info from {url}: {exc}") from None


def served_frontend_version(url: str) -> str | None:
    """The frontend version the ComfyUI at `url` serves, or None when it cannot be asked."""
    try:
        with ComfyClient(url) as client:
            return client.frontend_version()
    except ComfyError:
        return None
