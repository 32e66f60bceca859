"""`ComfyBackend`: the built-in workflows (workflows/*.json) run on a ComfyUI server for the book.

Each request loads the workflow (UI format; a model family's own per app/book/family_plan.py), enables the optional
nodes it needs (LoRA loader, IPAdapter pair when the backend has ComfyUI_IPAdapter_plus, a family's switches),
converts it with the backend's /object_info, binds the declared parameters, preflights, runs it and brings the
image home. What could not be enabled is said in `notes`. One client (one WebSocket) serves the whole build.
"""

from __future__ import annotations

import copy
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
    apply_overrides,
    load_workflow,
    output_name,
    parameter_schema,
    preflight,
    resolve_workflow,
    to_api,
)
from ..workflows.families import BackendFamilies, detect_families
from .backend import BackendUnavailable, GenerationRequest, GenerationResult
from .errors import BookError
from .family_plan import plan_family

IPADAPTER_NODES = ("IPAdapterUnifiedLoader", "IPAdapter")


@dataclass(frozen=True)
class _Pending:
    """A prompt submitted to ComfyUI and not yet collected."""

    prompt_id: str
    name: str
    prompt: dict[str, Any]
    bound: dict[str, Any]
    started: float
    prepared: float


IPADAPTER_INSTALL = "comfy node install comfyui_ipadapter_plus"
EXTRA_LORAS = "_extra_loras"  # params key: LoRAs beyond the workflow's one slot, chained after it
BY_NODE_TYPE = "_by_node_type"  # params key: {class_type: {input: value}} set on every node of that type


class WorkflowPlanner:
    """How a GenerationRequest becomes a built-in workflow run: which workflow, parameters, images and optional
    nodes. Subclasses say what the backend offers (`capabilities()`, `loras()`)."""

    def capabilities(self) -> dict[str, str]:
        raise NotImplementedError

    def loras(self) -> list[str]:
        raise NotImplementedError

    def families(self) -> BackendFamilies | None:  # the backend's model families (None: unknown, SD1.5 built-ins)
        return None

    def declared(self, workflow: str) -> set[str]:  # a built-in workflow's parameter names
        return set()

    def _plan(
        self, request: GenerationRequest
    ) -> tuple[str, dict[str, Any], dict[str, Image.Image], set[str], tuple[int, int], list[str]]:
        """(workflow, parameters, images, node types / titles to enable, size, notes) for a request."""
        family = plan_family(request, self.families(), self.declared)
        if family is not None:  # a model family's workflow (app/book/family_plan.py)
            if request.loras and "lora" in self.declared(family.workflow):
                family.enable |= self._choose_lora(request, family.params, family.notes)
            return (
                family.workflow,
                family.params,
                family.images,
                family.enable,
                (request.width, request.height),
                family.notes,
            )
        notes: list[str] = []
        params: dict[str, Any] = {"prompt": request.positive, "negative_prompt": request.negative, "seed": request.seed}
        if request.steps is not None:
            params["steps"] = request.steps
        if request.cfg is not None:
            params["cfg"] = request.cfg
        if request.checkpoint:
            params["checkpoint"] = request.checkpoint
        enable: set[str] = set()
        images: dict[str, Image.Image] = {}
        if request.workflow == "img2img_restyle":
            if request.init_image is None:
                raise BookError("an img2img panel needs its source picture (the location plate crop).")
            images["image"] = request.init_image
            params["restyle_strength"] = request.strength if request.strength is not None else 0.6
        if request.workflow == "panel":
            enable |= self._choose_lora(request, params, notes)
            if request.references:
                reason = self.capabilities()["ipadapter"]
                if reason:
                    notes.append(f"IPAdapter not used: {reason}")
                else:
                    enable |= set(IPADAPTER_NODES)
                    images["reference_image"] = Image.open(request.references[0]).convert("RGB")
        elif request.loras:
            notes.append(
                f"the {request.workflow} workflow has no LoRA loader; "
                f"{', '.join(lora.name for lora in request.loras)} not applied."
            )
        if request.references and request.workflow != "panel":
            notes.append(
                f"the {request.workflow} workflow has no IPAdapter; references are used by the identity gate only."
            )
        return request.workflow, params, images, enable, (request.width, request.height), notes

    def _choose_lora(self, request: GenerationRequest, params: dict[str, Any], notes: list[str]) -> set[str]:
        if not request.loras:
            return set()
        installed = self.loras()
        usable = [lora for lora in request.loras if lora.name in installed]
        for lora in request.loras:
            if lora.name not in installed:
                notes.append(f"LoRA {lora.name} ({lora.source}) is not in this ComfyUI's models/loras; not applied.")
        if not usable:
            return set()
        params["lora"], params["lora_strength"] = usable[0].name, usable[0].weight
        params[EXTRA_LORAS] = [(lora.name, lora.weight) for lora in usable[1:]]
        return {"LoraLoader"}


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
    ) -> dict[str, GenerationResult]:
        params: dict[str, Any] = {
            "prompt": positive,
            "expressions_prompt": expressions,
            "negative_prompt": negative,
            "seed": seed,
        }
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
        return build_workflow_prompt(
            self.workflow(name), name, params, image_names, enable, size, self.object_info, where=self.url
        )

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


def build_workflow_prompt(
    workflow: Workflow,
    name: str,
    params: Mapping[str, Any],
    image_names: Mapping[str, str],
    enable: Iterable[str],
    size: tuple[int, int] | None,
    info: Mapping[str, Any],
    *,
    where: str,
    check: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(API prompt, bound parameters) of a built-in workflow for one backend's /object_info: optional nodes of
    `enable` (node types or titles) switched on, parameters bound, `image_names` (uploaded file names) set, panel
    size applied. With `check`, a prompt the backend cannot run raises BackendUnavailable (the queue preflights per
    backend itself)."""
    enable = set(enable)
    if enable:
        raw = copy.deepcopy(workflow.raw)
        for node in raw.get("nodes", []):
            if (node.get("type") in enable or node.get("title") in enable) and node.get("mode") == 4:
                node["mode"] = 0
        workflow = Workflow(workflow.name, workflow.path, workflow.format, raw)
    prompt = to_api(workflow, info)
    schema = {p.name: p for p in parameter_schema(workflow, info)}
    assignments: dict[str, Any] = {k: v for k, v in params.items() if k not in (EXTRA_LORAS, BY_NODE_TYPE)}
    prompt = chain_loras(prompt, params.get(EXTRA_LORAS) or [])
    for class_type, values in (params.get(BY_NODE_TYPE) or {}).items():
        for node in prompt.values():
            if node.get("class_type") == class_type:
                node["inputs"].update(values)
    assignments.update(image_names)
    if size is not None:
        for key, value in zip(("width", "height"), size):
            param = schema.get(key)
            if param is None:
                raise BookError(f"the {name} workflow declares no {key} parameter; the book cannot size its panels.")
            if param.minimum is not None and value < param.minimum:
                assignments[f"{param.node_id}.min"] = value  # a capped preview size below the form's minimum
            assignments[f"{param.node_id}.{param.input}"] = value
    named = {k: v for k, v in assignments.items() if "." not in k}
    prompt = apply_overrides(prompt, named, list(schema.values()))
    prompt = apply_overrides(prompt, {k: v for k, v in assignments.items() if "." in k}, list(schema.values()))
    if check:
        report = preflight(prompt, info)
        if not report.ok:
            raise BackendUnavailable(f"the {name} workflow cannot run on {where}: " + " ".join(report.sentences()))
    bound = dict(assignments)
    if params.get(EXTRA_LORAS):
        bound["extra_loras"] = [list(pair) for pair in params[EXTRA_LORAS]]
    return prompt, bound


def chain_loras(prompt: dict[str, Any], extra: list[tuple[str, float]]) -> dict[str, Any]:
    """Add a LoraLoader per extra (name, weight) after the prompt's LoraLoader; whatever read that loader's
    MODEL/CLIP reads the last one of the chain."""
    if not extra:
        return prompt
    base = next((node_id for node_id, node in prompt.items() if node.get("class_type") == "LoraLoader"), None)
    if base is None:
        return prompt
    prompt = copy.deepcopy(prompt)
    previous = base
    for index, (name, weight) in enumerate(extra, start=1):
        node_id = f"book_lora_{index}"
        prompt[node_id] = {
            "class_type": "LoraLoader",
            "_meta": {"title": f"Book LoRA {index}"},
            "inputs": {
                "model": [previous, 0],
                "clip": [previous, 1],
                "lora_name": name,
                "strength_model": weight,
                "strength_clip": weight,
            },
        }
        previous = node_id
    chain = {base} | {f"book_lora_{i}" for i in range(1, len(extra) + 1)}
    for node_id, node in prompt.items():
        if node_id in chain:
            continue
        for key, value in node.get("inputs", {}).items():
            if isinstance(value, list) and len(value) == 2 and str(value[0]) == base:
                node["inputs"][key] = [previous, value[1]]
    return prompt


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
