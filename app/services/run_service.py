"""Run one workflow file on a ComfyUI backend and bring every output home with a sidecar JSON.

Used by `python main.py run`. The output folder is checked before anything is queued, files are
written atomically (temporary name, then rename), so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import platform
import struct
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..comfy import ComfyClient, OutputFile, PromptResult, PromptValidationError, clear_object_info_cache
from ..comfy.events import Event
from ..comfy.pool import CLIENTS
from ..config import Timeouts
from ..errors import InkframeError
from ..provenance import facts_from_prompt
from ..workflows import PreflightReport, Workflow, apply_overrides, load_workflow, parameter_schema, preflight, to_api
from .provenance_service import stamp_output


class RunError(InkframeError):
    """A workflow run that cannot start or whose outputs cannot be saved."""


@dataclass(frozen=True)
class SavedOutput:
    path: Path
    node_id: str
    kind: str
    source: str


@dataclass
class RunReport:
    prompt_id: str
    backend: str
    comfyui_version: str | None
    outputs: list[SavedOutput] = field(default_factory=list)
    sidecar: Path | None = None
    app_overhead_ms: float | None = None
    notes: list[str] = field(default_factory=list)


KEEPS_TAGS = (".mp4", ".m4v", ".mov", ".mkv", ".webm")  # tests/unit/test_run_service_provenance.py checks each


def tag_video(path: Path, workflow_name: str, operation: str | None = None) -> list[str]:
    """Provenance tags (tool, operation, date) in a video's container; a note when the file cannot take them."""
    from ..faceswap.safety import Provenance
    from ..media import MediaError, read_tags, retag

    metadata = replace(Provenance.now(), operation=operation or f"workflow {workflow_name}").as_metadata()
    try:
        if not _mp4_tags(path, metadata):
            retag(path, metadata)  # ffmpeg keeps custom keys in these containers (MP4/MOV with use_metadata_tags):
        kept = path.suffix.lower() in KEEPS_TAGS or read_tags(path).get("tool") == metadata["tool"]  # no read-back
    except MediaError as error:
        return [f"{path.name} was saved without provenance tags: {error}"]
    if not kept:
        return [
            (
                f"{path.name} was saved without provenance tags: "
                f"its {path.suffix or 'extensionless'} container keeps no metadata."
            )
        ]
    return []


def _mp4_tags(path: Path, metadata: dict[str, str]) -> bool:
    """Tags an MP4/MOV in Python (no ffmpeg child); False when it is not one this writer understands."""
    from ..media.mp4_tags import Mp4TagError, write_mp4_tags

    if path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        return False
    try:
        write_mp4_tags(path, metadata)
    except (Mp4TagError, OSError, struct.error):
        return False
    return True


def is_face_swap(operation: str) -> bool:
    from ..provenance.facts import FACE_SWAP

    return operation == FACE_SWAP


def refuse_face_swap_without_consent(prompt: dict) -> None:
    """ConsentRequired (one sentence) for a face-swap graph whose consent switch is off."""
    if facts_from_prompt(prompt).consent is False:
        from ..faceswap.safety import require_consent

        require_consent(False)


def _face_swap_png(data: bytes) -> bytes:
    """The tool/operation/date PNG chunks of the app's own swaps (docs/faceswap.md), ComfyUI's chunks kept."""
    from ..faceswap.safety import Provenance  # cv2 on import: only for face swaps
    from ..provenance.formats import png_with_texts

    return png_with_texts(data, Provenance.now().png_texts())


def ensure_writable_dir(out_dir: Path) -> Path:
    """Create `out_dir` if needed and prove it can be written; raise RunError naming it otherwise."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".inkframe-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunError(
            f"output folder {out_dir} cannot be written ({exc.strerror or exc}); choose another --out."
        ) from None
    return out_dir


def write_atomic(path: Path, data: bytes) -> Path:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


def unique_path(out_dir: Path, filename: str, taken: set[Path]) -> Path:
    """`filename` inside out_dir, suffixed _1, _2 ... rather than overwriting an existing file."""
    candidate = out_dir / Path(filename).name
    stem, suffix, counter = candidate.stem, candidate.suffix, 1
    while candidate.exists() or candidate in taken:
        candidate = out_dir / f"{stem}_{counter}{suffix}"
        counter += 1
    taken.add(candidate)
    return candidate


def output_filename(file: OutputFile) -> str:
    if file.source == "view":
        return file.filename
    extension = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}.get((file.format or "PNG").upper(), ".png")
    return f"ws_node{file.node_id}_{Path(file.filename).stem}{extension}"


def run_workflow(
    workflow_path: Path,
    assignments: Sequence[str],
    out_dir: Path,
    backend_url: str,
    *,
    timeouts: Timeouts | None = None,
    on_event: Callable[[Event], None] | None = None,
    timeout: float | None = None,
) -> RunReport:
    """Load, bind, preflight, run and save; raise an InkframeError subclass with one sentence on failure."""
    started = time.time()
    workflow = load_workflow(workflow_path)
    out_dir = ensure_writable_dir(out_dir)
    with CLIENTS.borrow(backend_url, timeouts) as client:  # kept between runs: its sockets stay open
        version = comfyui_version(client)
        prompt, report = _prepare(client, workflow, assignments, refresh=False)
        if report.listing_may_be_stale:  # the cached /object_info may predate a model or upload
            prompt, report = _prepare(client, workflow, assignments, refresh=True)
        if not report.ok:
            raise RunError(f"{workflow_path.name} cannot run on {client.base_url}: " + " ".join(report.sentences()))
        refuse_face_swap_without_consent(prompt)  # before anything is queued; the node refuses too
        extra_data = {"extra_pnginfo": {"workflow": workflow.raw}} if workflow.is_ui else None
        try:
            result = client.run(prompt, on_event=on_event, timeout=timeout, extra_data=extra_data)
        except PromptValidationError:
            clear_object_info_cache(client.base_url)  # ComfyUI knows better than the cached listing: re-list next run
            raise
    run = RunReport(prompt_id=result.prompt_id, backend=backend_url, comfyui_version=version)
    taken: set[Path] = set()
    facts = facts_from_prompt(prompt, workflow=workflow_path.name)
    swap = is_face_swap(facts.operation)
    for file in result.files:
        data = _face_swap_png(file.data) if swap and file.kind == "image" else file.data
        path = write_atomic(unique_path(out_dir, output_filename(file), taken), data)
        if file.kind == "video":  # container tags first: signing comes last, or the credentials read as tampered
            run.notes.extend(tag_video(path, workflow_path.stem, facts.operation if swap else None))
        stamp_output(path, facts)  # C2PA Content Credentials
        run.outputs.append(SavedOutput(path, file.node_id, file.kind, file.source))
    run.app_overhead_ms = _app_overhead_ms(result, started)
    sidecar = {
        "tool": "Inkframe Studio",
        "workflow_file": str(workflow_path),
        "workflow_format": workflow.format,
        "parameters": list(assignments),
        "prompt": prompt,
        "workflow": workflow.raw if workflow.is_ui else None,
        "prompt_id": result.prompt_id,
        "backend": backend_url,
        "comfyui_version": version,
        "host": platform.node(),
        "timings": {**result.timings.as_dict(), "app_started_at": started, "app_overhead_ms": run.app_overhead_ms},
        "cached_nodes": list(result.cached_nodes),
        "outputs": [
            {"file": o.path.name, "node_id": o.node_id, "kind": o.kind, "source": o.source} for o in run.outputs
        ],
        "notes": run.notes,
    }
    run.sidecar = write_atomic(
        unique_path(out_dir, f"{result.prompt_id}.json", taken),
        json.dumps(sidecar, indent=2, default=str).encode("utf-8"),
    )
    return run


def _prepare(
    client: ComfyClient, workflow: Workflow, assignments: Sequence[str], *, refresh: bool
) -> tuple[dict[str, Any], PreflightReport]:
    """The API prompt bound with `assignments`, and its preflight against the backend's /object_info (the
    process-wide cached copy, or a fresh one with `refresh`)."""
    object_info = client.object_info(refresh=True) if refresh else client.object_info()
    prompt = to_api(workflow, object_info, frontend_version=client.frontend_version(), purpose="run")
    prompt = apply_overrides(prompt, list(assignments), parameter_schema(workflow, object_info))
    return prompt, preflight(prompt, object_info)


_VERSIONS: dict[str, str | None] = {}  # backend URL -> its ComfyUI version, asked once per process like /object_info


def comfyui_version(client: ComfyClient) -> str | None:
    """The backend's ComfyUI version for the report. Asked once per URL: a /system_stats per run lands right after
    the previous prompt, while ComfyUI's worker holds the GIL in its post-prompt gc.collect() (measured on the tiny
    Flux.1: ~230 ms per run of the app's overhead, 'benchmarks families')."""
    if client.base_url not in _VERSIONS:
        _VERSIONS[client.base_url] = (client.system_stats().get("system") or {}).get("comfyui_version")
    return _VERSIONS[client.base_url]


def _app_overhead_ms(result: PromptResult, started: float) -> float | None:
    execution = result.timings.comfy_execution_s
    if execution is None:
        return None
    return max(0.0, (time.time() - started - execution) * 1000.0)
