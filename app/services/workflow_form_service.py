"""Workflows as forms: list the library, describe each one's parameters, queue a run with chosen values,
and keep the library in step with edits made in the backend's ComfyUI editor.

The ComfyUI editor keeps saved workflows in its user data (`user/default/workflows/`). `publish` puts a
library workflow there under `inkframe/<name>.json` so it opens in the editor's workflow browser;
`pull_edits` reads it back and, when it was changed and saved there, writes it over the library file.
All HTTP goes through `app.comfy` (its transport), with the config's timeouts.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import InkframeError
from ..workflows import Parameter, list_workflows, load_workflow, parameter_schema, resolve_workflow
from ..workflows.library import WORKFLOWS_DIR

FILE_KINDS = frozenset({"image", "mask", "video"})
USERDATA_FOLDER = "workflows/inkframe"


class WorkflowFormError(InkframeError):
    """A workflow form that cannot be shown or run."""


@dataclass(frozen=True)
class WorkflowInfo:
    name: str
    path: Path
    parameters: tuple[Parameter, ...]


def library(directory: Path | None = None) -> list[WorkflowInfo]:
    """Every workflow in workflows/ with its declared parameters (read fresh from disk each call)."""
    infos = []
    for path in list_workflows(directory):
        infos.append(describe(path))
    return infos


def describe(name_or_path: str | Path) -> WorkflowInfo:
    try:
        path = resolve_workflow(name_or_path)
        workflow = load_workflow(path)
        params = tuple(sorted(parameter_schema(workflow), key=lambda p: (p.advanced, p.group, p.order)))
    except InkframeError as exc:
        raise WorkflowFormError(str(exc)) from exc
    return WorkflowInfo(path.stem, path, params)


def _client(config: Config, url: str):
    from ..comfy import ComfyClient

    return ComfyClient(url, timeouts=config.comfyui.timeouts)


def upload_inputs(config: Config, url: str, info: WorkflowInfo, values: dict[str, Any]) -> dict[str, Any]:
    """Upload local files given for image/mask/video parameters to the backend; values then name the uploads."""
    files = {p.name for p in info.parameters if p.kind in FILE_KINDS}
    local = {
        name: Path(value) for name, value in values.items() if name in files and value and Path(str(value)).is_file()
    }
    if not local:
        return dict(values)
    result = dict(values)
    with _client(config, url) as client:
        for name, path in local.items():
            result[name] = client.upload_image(path, subfolder="inkframe").reference
    return result


def consent_refusal(info: WorkflowInfo, values: dict[str, Any]) -> str:
    """The consent sentence when `info` swaps faces (an InkframeFaceSwap node) and its consent parameter is off in
    `values` (else its default); "" otherwise. A workflow without a consent parameter is left to its node's switch,
    which run_service checks before queueing on ComfyUI."""
    from ..faceswap import ConsentRequired
    from ..faceswap.safety import require_consent

    try:
        raw = json.loads(info.path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    nodes: list[Any] = raw["nodes"] if isinstance(raw, dict) and isinstance(raw.get("nodes"), list) else []
    if not any(isinstance(node, dict) and node.get("type") == "InkframeFaceSwap" for node in nodes):
        return ""
    switch = next((p for p in info.parameters if "consent" in p.name.lower()), None)
    if switch is None:
        return ""
    value = values.get(switch.name, switch.default)
    if value is True or str(value).strip().lower() in ("true", "1", "yes", "on"):
        return ""
    try:
        require_consent(False)
    except ConsentRequired as exc:
        return str(exc)
    return ""


def submit(config: Config, url: str, name: str, values: dict[str, Any], *, queue: Any, priority: int = 0) -> Any:
    """Queue one run of workflow `name` with `values` (parameter name -> value); returns the queued Job."""
    from ..jobs.models import JobSpec

    info = describe(name)
    known = {p.name for p in info.parameters}
    unknown = sorted(set(values) - known)
    if unknown:
        raise WorkflowFormError(
            f"workflow {info.name} has no parameter {unknown[0]!r}; it has {', '.join(sorted(known))}."
        )
    refusal = consent_refusal(info, values)  # a face swap without the consent box: refused before anything else
    if refusal:
        raise WorkflowFormError(refusal)
    blocker = queue_blocker(config, url, info.name)  # never queue what the backend cannot run
    if blocker:
        raise WorkflowFormError(blocker)
    overrides = upload_inputs(config, url, info, {k: v for k, v in values.items() if v is not None and v != ""})
    builtin = info.path.resolve().parent == WORKFLOWS_DIR.resolve()  # the user's own workflows run by their path
    spec = JobSpec(
        kind="workflow",
        parameters={"workflow": info.name if builtin else str(info.path), "overrides": overrides},
        priority=priority,
    )
    return queue.submit([spec])[0]


def userdata_path(name: str) -> str:
    return f"{USERDATA_FOLDER}/{name}.json"


def editor_url(url: str) -> str:
    """Where the backend's ComfyUI editor opens (the workflow is in its Workflows browser under inkframe/)."""
    return url.rstrip("/") + "/"


def publish(config: Config, url: str, name: str) -> str:
    """Copy a library workflow into the backend's user data so the ComfyUI editor can open it."""
    info = describe(name)
    body = json.loads(info.path.read_text(encoding="utf-8"))
    quoted = urllib.parse.quote(userdata_path(info.name), safe="")
    with _client(config, url) as client:
        response = client.http.post(f"/api/userdata/{quoted}?overwrite=true", json=body)
        client.http.check(response, "POST", "/api/userdata")
    return userdata_path(info.name)


def pull_edits(config: Config, url: str, name: str) -> bool:
    """Take the version saved in the backend's editor into the library file; True when it changed."""
    info = describe(name)
    quoted = urllib.parse.quote(userdata_path(info.name), safe="")
    with _client(config, url) as client:
        edited = client.http.get_json(f"/api/userdata/{quoted}", allow_404=True)
    if edited is None:
        return False
    current = json.loads(info.path.read_text(encoding="utf-8"))
    if edited == current:
        return False
    if not isinstance(edited, dict) or not (
        "nodes" in edited or all(isinstance(v, dict) and "class_type" in v for v in edited.values())
    ):
        raise WorkflowFormError(
            f"the copy of {info.name} in the ComfyUI editor is not a workflow; save it again from the editor."
        )
    info.path.write_text(json.dumps(edited, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def queue_blocker(config: Config, url: str, name: str) -> str:
    """'' when workflow `name` can run on the backend at `url` (or the backend cannot be asked now: the queue
    then waits for it), else one sentence why not: forms disable their "Queue it" button with it."""
    from . import capability_service

    return capability_service.workflow_blocker(capability_service.check(url, timeouts=config.comfyui.timeouts), name)
