"""`ComfyBackend`: the built-in workflows (workflows/*.json) run on a ComfyUI server for the book.

Each request loads the workflow (UI format; a model family's own per app/book/family_plan.py), enables the optional
nodes it needs (LoRA loader, IPAdapter pair when the backend has ComfyUI_IPAdapter_plus, a family's switches),
converts it with the backend's /object_info, binds the declared parameters, preflights, runs it and brings the
image home. What could not be enabled is said in `notes`. One client (one WebSocket) serves the whole build.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from PIL import Image

from ..comfy import ComfyClient, ExecutionError
from ..config import Timeouts
from ..workflows import (
    Workflow,
    WorkflowError,
    load_workflow,
    output_name,
    preflight,
    resolve_workflow,
    to_api,
)
from ..workflows.families import BackendFamilies, detect_families
from ..workflows.family_choice import SHEET_CONTROLNET
from .backend import BackendUnavailable, GenerationRequest, GenerationResult
from .errors import BookError
from .family_plan import plan_sheet
from .workflow_planner import BY_NODE_TYPE, IPADAPTER_INSTALL, IPADAPTER_NODES, WorkflowPlanner
from .workflow_prompt import build_workflow_prompt


@dataclass(frozen=True)
class _Pending:
    """A prompt submitted to ComfyUI and not yet collected."""

    prompt_id: str
    name: str
    prompt: dict[str, Any]
    bound: dict[str, Any]
    started: float
    prepared: float


class ComfyBackend(WorkflowPlanner):
    def __init__(
        self,
        url: str,
        *,
        timeouts: Timeouts | None = None,
        workflows_dir: Path | None = None,
        prompt_timeout: float | None = None,
    ) -> None:
        self.client = ComfyClient(url, timeouts=timeouts)
        self.url = self.client.base_url
        self.workflows_dir = workflows_dir
        self.prompt_timeout = prompt_timeout
        self._workflows: dict[str, Workflow] = {}
        self._object_info: dict[str, Any] | None = None
        self._uploaded: dict[str, str] = {}
        self._pending: dict[tuple, _Pending] = {}
        self._families: BackendFamilies | None = (
            None  # and the last 8 pictures uploaded (held, so their ids stay theirs):
        )
        self._by_object: dict[int, tuple[Image.Image, str]] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- what the backend offers ---------------------------------------------------------------
    @property
    def object_info(self) -> dict[str, Any]:
        if self._object_info is None:
            self._object_info = self.client.object_info()
        return self._object_info

    def workflow(self, name: str) -> Workflow:
        if name not in self._workflows:
            path = (self.workflows_dir / f"{name}.json") if self.workflows_dir else resolve_workflow(name)
            self._workflows[name] = load_workflow(path)
        return self._workflows[name]

    def capabilities(self) -> dict[str, str]:
        info = self.object_info
        missing_ip = [n for n in IPADAPTER_NODES if n not in info]
        restore = self._preflight_reason("upscale_face_restore", {})
        return {
            "ipadapter": ""
            if not missing_ip
            else (
                f"this ComfyUI lacks {', '.join(missing_ip)} (`{IPADAPTER_INSTALL}`); "
                "references are used by the identity gate and face repair only."
            ),
            "lora": "" if "LoraLoader" in info else "this ComfyUI lacks LoraLoader.",
            "restore": restore,
        }

    def families(self) -> BackendFamilies:
        if self._families is None:
            self._families = detect_families(self.object_info)
        return self._families

    def declared(self, workflow: str) -> set[str]:
        return {p.name for p in self.workflow(workflow).parameters}

    def loras(self) -> list[str]:
        spec = self.object_info.get("LoraLoader", {}).get("input", {}).get("required", {}).get("lora_name", [[]])
        return list(spec[0]) if isinstance(spec[0], list) else []

    # ---- running ---------------------------------------------------------------------------------
    def prefetch(self, request: GenerationRequest) -> None:
        """Submit `request` now so ComfyUI works on it while the app checks the previous panel; the later
        `generate(request)` waits for it instead of submitting again. A request that cannot be prepared is left
        for `generate` to report."""
        key = _request_key(request)
        if key in self._pending:
            return
        plan = self._plan(request)
        try:
            self._pending[key] = self._start(*plan[:5])
        except (BackendUnavailable, BookError):
            return

    def cancel_prefetched(self) -> None:
        """Take submitted-but-unused prompts off ComfyUI's queue (a build that stopped early)."""
        pending, self._pending = self._pending, {}
        if pending:
            self.client.delete_from_queue([p.prompt_id for p in pending.values()])

    def generate(self, request: GenerationRequest) -> GenerationResult:
        name, params, images, enable, size, notes = self._plan(request)
        pending = self._pending.pop(_request_key(request), None)
        try:
            result = next(iter(self._finish(pending or self._start(name, params, images, enable, size)).values()))
        except (BackendUnavailable, ExecutionError) as exc:
            ipadapter_failed = isinstance(exc, BackendUnavailable) or getattr(exc, "node_type", "") in IPADAPTER_NODES
            if not (enable & set(IPADAPTER_NODES)) or not ipadapter_failed:
                if isinstance(exc, BackendUnavailable):
                    raise BookError(str(exc)) from None
                raise
            notes.append(f"IPAdapter not used: {exc}")
            images.pop("reference_image", None)
            result = self.run(name, params, images, enable=enable - set(IPADAPTER_NODES), size=size)
        result.notes = notes + result.notes
        return result

    def restore(self, image: Image.Image) -> GenerationResult:
        return self.run("upscale_face_restore", {}, {"image": image})

    def character_sheet(
        self,
        positive: str,
        expressions: str,
        negative: str,
        seed: int,
        size: tuple[int, int],
        pose: Image.Image,
        *,
        checkpoint: str | None = None,
        steps: int | None = None,
        controlnet: str | None = None,
        family: str | None = None,
    ) -> dict[str, GenerationResult]:
        params: dict[str, Any] = {
            "prompt": positive,
            "expressions_prompt": expressions,
            "negative_prompt": negative,
            "seed": seed,
        }
        plan = plan_sheet(
            family,
            self.families(),
            self.declared,
            {**params, "steps": steps, "checkpoint": checkpoint},
            controlnet=controlnet,
        )
        if plan is not None:  # a model family's sheet workflow; the pose only where its ControlNet is on
            posed = "turnaround_pose" in self.declared(plan.workflow) and bool(plan.enable & set(SHEET_CONTROLNET))
            images = {"turnaround_pose": pose} if posed else {}
            results = self.run_all(plan.workflow, plan.params, images, enable=plan.enable, size=size)
            for result in results.values():
                result.notes = plan.notes + result.notes
            return results
        if controlnet:
            params[BY_NODE_TYPE] = {"ControlNetLoader": {"control_net_name": controlnet}}
        if checkpoint:
            params["checkpoint"] = checkpoint
        if steps is not None:
            params["steps"] = steps
        return self.run_all("character_sheet", params, {"turnaround_pose": pose}, size=size)

    def run(
        self,
        name: str,
        params: Mapping[str, Any],
        images: Mapping[str, Image.Image],
        *,
        enable: Iterable[str] = (),
        size: tuple[int, int] | None = None,
    ) -> GenerationResult:
        """Run workflow `name` and return its first output image."""
        results = self.run_all(name, params, images, enable=enable, size=size)
        return next(iter(results.values()))

    def run_all(
        self,
        name: str,
        params: Mapping[str, Any],
        images: Mapping[str, Image.Image],
        *,
        enable: Iterable[str] = (),
        size: tuple[int, int] | None = None,
    ) -> dict[str, GenerationResult]:
        return self._finish(self._start(name, params, images, enable, size))

    def _start(
        self,
        name: str,
        params: Mapping[str, Any],
        images: Mapping[str, Image.Image],
        enable: Iterable[str],
        size: tuple[int, int] | None,
    ) -> _Pending:
        started = time.time()
        prompt, bound = self._prompt(name, params, images, enable, size)
        prepared = time.time()
        self.client.connect()  # events of every prompt submitted from now on are kept until it is waited for
        return _Pending(self.client.submit(prompt), name, prompt, bound, started, prepared)

    def _finish(self, pending: _Pending) -> dict[str, GenerationResult]:
        waiting = time.time()
        result = self.client.wait(pending.prompt_id, timeout=self.prompt_timeout)
        legs = _legs(result.timings, pending.started, pending.prepared)
        overlapped = waiting - pending.prepared > 0.05  # submitted ahead: its queue time overlapped other work
        names = {node_id: output_name(node_id, node) for node_id, node in pending.prompt.items()}
        out: dict[str, GenerationResult] = {}
        for file in result.files:
            if file.kind != "image" or names.get(file.node_id, file.node_id) in out:
                continue
            image = Image.open(io.BytesIO(file.data))
            image.load()
            out[names.get(file.node_id, file.node_id)] = GenerationResult(
                image=image.convert("RGB"),
                workflow=pending.name,
                parameters=pending.bound,
                api_prompt=pending.prompt,
                prompt_id=result.prompt_id,
                comfy_execution_s=result.timings.comfy_execution_s,
                legs=legs,
            )
        if not out:
            raise BookError(
                f"the {pending.name} workflow finished on {self.url} without an image; check its output node."
            )
        finished = time.time()
        if result.timings.fetched_at is not None:
            legs["decode_ms"] = round((finished - result.timings.fetched_at) * 1000.0, 2)
        if overlapped:
            legs["prefetched"] = 1.0
        for generated in out.values():
            generated.wall_s = finished - pending.started
        return out

    # ---- building the prompt ---------------------------------------------------------------------
    def _prompt(
        self,
        name: str,
        params: Mapping[str, Any],
        images: Mapping[str, Image.Image],
        enable: Iterable[str],
        size: tuple[int, int] | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        image_names = {key: self._upload(image) for key, image in images.items()}
        workflow = self.workflow(name)
        for fresh in (False, True):
            if fresh:  # the listing is kept for the whole build: re-list once when it may predate a model or upload
                self._object_info = self.client.object_info(refresh=True)
                self._families = None
            info = self.object_info
            prompt, bound = build_workflow_prompt(
                workflow, name, params, image_names, enable, size, info, where=self.url, check=False
            )
            report = preflight(prompt, info)
            if report.ok or not report.listing_may_be_stale:
                break
        if not report.ok:
            raise BackendUnavailable(f"the {name} workflow cannot run on {self.url}: " + " ".join(report.sentences()))
        return prompt, bound

    def _preflight_reason(self, name: str, params: Mapping[str, Any]) -> str:
        try:
            workflow = self.workflow(name)
            prompt = to_api(workflow, self.object_info)
            report = preflight(prompt, self.object_info)
        except WorkflowError as exc:  # a workflow that cannot even convert is a reason too
            return f"the {name} workflow cannot be prepared ({exc})."
        blocking = [p.sentence for p in report.problems if p.kind in ("missing_node", "missing_model")]
        return "" if not blocking else f"the {name} workflow cannot run on {self.url}: " + " ".join(blocking)

    def _upload(self, image: Image.Image) -> str:
        if self._by_object.get(id(image), (None, ""))[0] is image:  # the same reference again (panel, retry, prefetch)
            return self._by_object[id(image)][1]
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        if digest not in self._uploaded:
            self._uploaded[digest] = self.client.upload_image(
                data, filename=f"inkframe_book_{digest}.png", overwrite=True
            ).reference
            self._note_upload(self._uploaded[digest])
        self._by_object = {**dict(list(self._by_object.items())[-7:]), id(image): (image, self._uploaded[digest])}
        return self._uploaded[digest]

    def _note_upload(self, name: str) -> None:
        """Add an uploaded file to the image choice lists of the cached /object_info (what the server now lists),
        so preflight accepts it without fetching /object_info again."""
        for spec in self.object_info.values():
            for section in ("required", "optional"):
                for declaration in (spec.get("input", {}).get(section) or {}).values():
                    if (
                        isinstance(declaration, list)
                        and len(declaration) > 1
                        and isinstance(declaration[0], list)
                        and isinstance(declaration[1], dict)
                        and declaration[1].get("image_upload")
                        and name not in declaration[0]
                    ):
                        declaration[0].append(name)


def _legs(timings: Any, started: float, prepared: float) -> dict[str, float]:
    """Where one run's time went, in ms: preparing (conversion, binding, preflight, uploads), waiting for
    ComfyUI to start it, executing (ComfyUI's own timestamps), hearing that it finished, downloading."""
    legs = {"prepare_ms": (prepared - started) * 1000.0}
    if timings.comfy_started_ms is not None and timings.submitted_at is not None:
        legs["queue_ms"] = timings.comfy_started_ms - timings.submitted_at * 1000.0
    if timings.comfy_execution_s is not None:
        legs["execute_ms"] = timings.comfy_execution_s * 1000.0
    if timings.comfy_finished_ms is not None and timings.done_at is not None:
        legs["notify_ms"] = timings.done_at * 1000.0 - timings.comfy_finished_ms
    if timings.done_at is not None and timings.fetched_at is not None:
        legs["fetch_ms"] = (timings.fetched_at - timings.done_at) * 1000.0
    return {k: round(v, 2) for k, v in legs.items()}


def _request_key(request: GenerationRequest) -> tuple:
    """Requests are equal when every field but the init image is; the init image's pixels complete the key."""
    init = request.init_image
    return (request, hashlib.sha256(init.tobytes()).hexdigest() if init is not None else None)
