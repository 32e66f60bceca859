"""What each backend can do, before anything is queued: the capability table of `doctor`, Settings and
each tab's notice. Fetches `/object_info` through `app.comfy`; the computation is `app.workflows.capabilities`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Timeouts
from ..workflows import Workflow, WorkflowError, list_workflows, load_workflow
from ..workflows.capabilities import BY_ID, CAPABILITIES, Capability, CapabilityReport, compute_capabilities, summarise
from ..workflows.preflight import default_manifest
from ..workflows.video_choice import capabilities_for

CACHE_S = 20.0  # one "Check backend" fills every tab's notice from one /object_info
_lock = threading.Lock()
_library: dict[Path, tuple[float, Workflow]] = {}
_recent: dict[str, tuple[float, BackendCapabilities]] = {}


@dataclass(frozen=True)
class BackendCapabilities:
    url: str
    report: CapabilityReport | None = None
    error: str = ""  # one sentence when the backend could not be asked

    @property
    def reachable(self) -> bool:
        return self.report is not None


def library_workflows(directory: Path | None = None) -> dict[str, Workflow]:
    """The library's workflows by name, re-read only when a file changed (edits saved from ComfyUI count)."""
    found: dict[str, Workflow] = {}
    for path in list_workflows(directory):
        stamp = path.stat().st_mtime
        with _lock:
            cached = _library.get(path)
        if cached is None or cached[0] != stamp:
            try:
                cached = (stamp, load_workflow(path))
            except WorkflowError:
                continue  # a broken file shows up as "the library has no ..." for its capability
            with _lock:
                _library[path] = cached
        found[path.stem] = cached[1]
    return found


def capabilities_of(
    object_info: dict[str, Any],
    workflows: dict[str, Workflow] | None = None,
    capabilities: tuple[Capability, ...] | None = None,
) -> CapabilityReport:
    """By default the video capabilities are judged on the Wan 2.2 workflow when the backend has Wan (video_choice)."""
    chosen = capabilities if capabilities is not None else capabilities_for(object_info, CAPABILITIES)
    return compute_capabilities(
        object_info, workflows if workflows is not None else library_workflows(), default_manifest(), chosen
    )


def check(url: str, *, timeouts: Timeouts | None = None, max_age_s: float = CACHE_S) -> BackendCapabilities:
    """The capability table of the backend at `url` (answers from the last check when it is recent). An older
    check asks the backend again: models added and a ComfyUI restarted since show up without restarting the studio."""
    from ..backoff import Backoff
    from ..comfy import ComfyClient, ComfyError

    key = url.rstrip("/")
    with _lock:
        recent = _recent.get(key)
    if recent is not None and time.monotonic() - recent[0] < max_age_s:
        return recent[1]
    try:
        with ComfyClient(key, timeouts=timeouts or Timeouts(connect=3, read=30), retry=Backoff(attempts=1)) as client:
            info = client.object_info(refresh=True)  # the client's cache lasts the whole process
    except ComfyError as exc:
        message = str(exc).rstrip(".")
        result = BackendCapabilities(key, error=message[:1].upper() + message[1:] + ".")
    else:
        result = BackendCapabilities(key, report=capabilities_of(info))
    with _lock:
        _recent[key] = (time.monotonic(), result)
    return result


SUMMARY_STEPS = 4  # fix-it sentences a tab's notice shows; Settings lists them all


IMAGE_ALTERNATIVES = {"panel": "sdxl", "background": "sdxl"}  # capabilities a family workflow also makes


# a family's files in these folders add to what it can do (IPAdapter, a posing ControlNet); not needed to run it
OPTIONAL_FOLDERS = frozenset({"ipadapter", "controlnet", "clip_vision", "loras"})


def family_alternative(capability_id: str) -> str:
    """'' or one sentence: a modern family that also runs the capability (SDXL for panels and backgrounds, the
    smallest Wan 2.2 model for video) and the command that fetches its files (models/families.yaml)."""
    from ..workflows.families import FAMILIES
    from ..workflows.manifest import FAMILIES_MANIFEST, load_manifest
    from ..workflows.video_choice import WAN_WORKFLOWS

    options = WAN_WORKFLOWS.get(capability_id, ())
    family = options[-1][0] if options else IMAGE_ALTERNATIVES.get(capability_id)  # Wan: TI2V-5B where it can
    if family is None:
        return ""
    names = [
        e.name for e in load_manifest(FAMILIES_MANIFEST) if family in e.used_by and e.folder not in OPTIONAL_FOLDERS
    ]
    if not names:
        return ""
    only = " ".join(f"--only {n}" for n in names)
    manifest = f"{FAMILIES_MANIFEST.parent.name}/{FAMILIES_MANIFEST.name}"
    label = FAMILIES[family].label.split(" (eps)")[0]
    return f"Or use {label}: `python scripts/download_models.py --manifest {manifest} {only}`."


def tab_summary(result: BackendCapabilities, capability_ids: tuple[str, ...]) -> tuple[bool, str]:
    """(every job of the tab can run, one short plain-text paragraph saying what it can and cannot do here and,
    once per cause, how to get what is missing)."""
    if result.report is None:
        return False, result.error
    statuses = [s for s in (result.report.status(c) for c in capability_ids) if s is not None]
    ready = [s.capability.label for s in statuses if s.ready]
    blocked = [s for s in statuses if not s.ready]
    if not blocked:
        return True, f"This backend can run: {', '.join(ready)}."
    can = f"This backend can run: {', '.join(ready)}. " if ready else ""
    cannot = "; ".join(f"{s.capability.label} {s.reason()}" for s in blocked[:3])
    more = f" (and {len(blocked) - 3} more)" if len(blocked) > 3 else ""
    steps = list(dict.fromkeys(line for s in blocked for line in s.sentences()))
    hint = " ".join(steps[:SUMMARY_STEPS])
    if len(steps) > SUMMARY_STEPS:
        other = len(steps) - SUMMARY_STEPS
        hint += f" Settings lists the {other} other step{'s' if other > 1 else ''}."
    alternatives = [line for line in dict.fromkeys(family_alternative(s.capability.id) for s in blocked) if line]
    hint = " ".join([hint, *alternatives])  # a family's way is always named: core nodes only
    return False, f"{can}Not available here: {cannot}{more}. {hint}".strip()


def workflow_blocker(result: BackendCapabilities, workflow: str) -> str:
    """'' when the library workflow can run on the backend, else one sentence why not (for queue buttons)."""
    status = (
        next((s for s in result.report.statuses if s.capability.workflow == workflow), None) if result.report else None
    )
    if status is None or status.ready:
        return ""
    return f"{status.capability.label} cannot run on {result.url}: {status.reason()}. " + " ".join(
        status.sentences()[:2]
    )


def capability_blocker(result: BackendCapabilities, capability_id: str) -> str:
    """'' when the capability can run on the backend (or it could not be asked: the run says why), else one short
    sentence why not (its fixes are in the tab's notice; a button that starts work directly, such as Make a clip)."""
    status = result.report.status(capability_id) if result.report else None
    if status is None or status.ready:
        return ""
    return f"{status.capability.label} cannot run on {result.url}: {status.reason()}."


def labels(capability_ids: tuple[str, ...]) -> str:
    return summarise([BY_ID[c].label for c in capability_ids if c in BY_ID])
