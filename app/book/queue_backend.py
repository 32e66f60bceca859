"""`QueuePanelBackend`: the book's pictures made by the queue's backend pool instead of one ComfyUI.

Every generate/restore becomes a `book_render` child job of the running `book` job (app/jobs/context.py):
the queue places it on a capable backend with a free slot (a backend without the workflow's node types
or models gets none), fails it over when its backend dies, and a book job that runs again after a crash
finds the children it had already submitted (same parameters, same id) instead of drawing them again.
Input pictures (a location plate's crop, a reference) are saved under OUT/../inputs/<digest>.png (the
shared output folder) and uploaded to whichever backend runs the child.

`parallel` tells the book builder how many panels to run at once: enough to keep every slot busy.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from ..jobs.context import JobContext, child_id, submit_child, wait_child
from ..jobs.kinds import job_output_dir
from ..jobs.models import Job
from ..workflows import WorkflowError, load_workflow, preflight, resolve_workflow, to_api
from ..workflows.families import BackendFamilies, detect_families, pool_families
from .backend import BackendUnavailable, GenerationRequest, GenerationResult
from .errors import BookError
from .workflow_planner import IPADAPTER_INSTALL, IPADAPTER_NODES, WorkflowPlanner


class QueuePanelBackend(WorkflowPlanner):
    def __init__(self, context: JobContext, parent: Job, *, parallel: int | None = None) -> None:
        if context.pool is None:
            raise BookError(
                "a book job needs the worker's backend pool; run it with `python main.py worker` or the studio."
            )
        self.context = context
        self.parent = parent
        self.pool = context.pool
        slots = sum(spec.max_concurrent for spec in self.pool.specs.values())
        self.parallel = parallel or max(2, min(32, 2 * slots))  # queued children keep every slot busy
        self.inputs = job_output_dir(context.output_dir, parent.id) / "inputs"
        self._seen: set[str] = set()
        self._capabilities: dict[str, str] | None = None
        self._families: BackendFamilies | None = None
        self._declared: dict[str, set[str]] = {}

    def close(self) -> None:
        return None

    # ---- what the pool offers -------------------------------------------------------------------------
    def _infos(self) -> list[tuple[str, Mapping[str, Any]]]:
        states = self.pool.states()
        if not any(state.object_info is not None for state in states):
            self.pool.check_all()
        return [(state.spec.name, state.object_info) for state in self.pool.states() if state.object_info is not None]

    def capabilities(self) -> dict[str, str]:
        """A feature is available when at least one backend has it (placement then sends the panels that use
        it to those backends only)."""
        if self._capabilities is None:
            infos = self._infos()
            if not infos:
                raise BookError(
                    "no backend of the queue answered; start one (see `python main.py doctor`) and retry the job."
                )
            ipadapter = any(all(node in info for node in IPADAPTER_NODES) for _, info in infos)
            restore = [_workflow_reason("upscale_face_restore", info, name) for name, info in infos]
            self._capabilities = {
                "ipadapter": ""
                if ipadapter
                else (
                    f"no backend has {', '.join(IPADAPTER_NODES)} (`{IPADAPTER_INSTALL}`); "
                    "references are used by the identity gate and face repair only."
                ),
                "lora": "" if any("LoraLoader" in info for _, info in infos) else "no backend has LoraLoader.",
                "restore": "" if any(not reason for reason in restore) else " ".join(restore),
            }
        return self._capabilities

    def families(self) -> BackendFamilies:
        """The model families the pool's backends have between them (app/workflows/families.py): a book picks its
        family's workflows as on one ComfyUI, and placement sends each panel to a backend holding its files."""
        if self._families is None:
            self._families = pool_families([detect_families(info) for _, info in self._infos()])
        return self._families

    def declared(self, workflow: str) -> set[str]:
        if workflow not in self._declared:
            self._declared[workflow] = {p.name for p in load_workflow(resolve_workflow(workflow)).parameters}
        return self._declared[workflow]

    def loras(self) -> list[str]:
        names: set[str] = set()
        for _, info in self._infos():
            spec = info.get("LoraLoader", {}).get("input", {}).get("required", {}).get("lora_name", [[]])
            if isinstance(spec[0], list):
                names.update(spec[0])
        return sorted(names)

    # ---- running ----------------------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> GenerationResult:
        name, params, images, enable, size, notes = self._plan(request)
        result = self._run(name, params, images, enable, size)
        result.notes = notes + result.notes
        return result

    def restore(self, image: Image.Image) -> GenerationResult:
        return self._run("upscale_face_restore", {}, {"image": image}, set(), None)

    def character_sheet(self, *args: Any, **kwargs: Any) -> dict[str, GenerationResult]:
        raise BackendUnavailable("character sheets are made on one ComfyUI (`comic sheet`), not through the queue.")

    def _save_input(self, image: Image.Image) -> str:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG")
        data = buffer.getvalue()
        path = self.inputs / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        return str(path.relative_to(self.context.output_dir))

    def _run(
        self,
        name: str,
        params: Mapping[str, Any],
        images: Mapping[str, Image.Image],
        enable: Iterable[str],
        size: tuple[int, int] | None,
    ) -> GenerationResult:
        started = time.time()
        parameters = {
            "workflow": name,
            "params": json.loads(json.dumps(dict(params))),
            "images": {key: self._save_input(image) for key, image in images.items()},
            "enable": sorted(set(enable)),
            "size": list(size) if size else None,
        }
        key = child_id(self.parent, parameters, "book_render")
        first_look = key not in self._seen  # a failed child of an earlier run of this book is tried again, once
        self._seen.add(key)
        child = submit_child(self.context, self.parent, "book_render", parameters, retry_failed=first_look)
        done = wait_child(self.context, self.parent, child.id)
        if done.status != "succeeded":
            raise BookError(f"the {name} job {done.id} {done.status}: {done.last_error or 'no reason given'}")
        image_output = next((o for o in done.outputs if o.kind == "image"), None)
        if image_output is None:
            raise BookError(f"the {name} job {done.id} finished without an image; check the workflow's output node.")
        with Image.open(self.context.output_dir / image_output.path) as opened:
            image = opened.convert("RGB")
        run = _read_run(self.context.output_dir, done)
        bound = {**parameters["params"], **{key: "<image>" for key in parameters["images"]}}
        if size:
            bound.update(width=size[0], height=size[1])
        return GenerationResult(
            image=image,
            workflow=name,
            parameters=bound,
            api_prompt=run.get("prompt") or {},
            prompt_id=done.prompt_id,
            comfy_execution_s=run.get("comfy_execution_s"),
            wall_s=time.time() - started,
            notes=[f"drawn on backend {done.backend} (job {done.id})"],
            legs={},
        )


def _read_run(output_dir: Path, job: Job) -> dict[str, Any]:
    output = next((o for o in job.outputs if o.node_id == "run"), None)
    if output is None:
        return {}
    try:
        return json.loads((output_dir / output.path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _workflow_reason(name: str, info: Mapping[str, Any], backend: str) -> str:
    try:
        report = preflight(to_api(load_workflow(resolve_workflow(name)), info), info)
    except WorkflowError as exc:
        return f"the {name} workflow cannot be prepared on {backend} ({exc})."
    blocking = [p.sentence for p in report.problems if p.kind in ("missing_node", "missing_model")]
    return "" if not blocking else f"the {name} workflow cannot run on {backend}: " + " ".join(blocking)
