"""Job kinds: how a job's parameters become a ComfyUI prompt, or which local step runs it.

ComfyUI kinds (`prompt`, `workflow`) produce an API-format prompt. Every output node's
`filename_prefix` is rewritten to `inkframe_jobs/<job id>/<node id>`, so a job resubmitted after a
failover writes under the same name and the collected copies (`outputs/jobs/<job id>/...`) are
overwritten, never duplicated.

`book_render` runs one of the book's built-in workflows (panel, background, img2img_restyle,
upscale_face_restore) with bound parameters: converted with each backend's /object_info like
`workflow`, its input pictures (files under the output folder) uploaded to the backend the job is
placed on, just before the prompt is posted. A `book` job fans its panels out as these.

Local kinds run in the worker itself (a book's coordinator, the writers' room, collect); a book's
coordinator places its panels on backends as `book_render` children. LOCAL_KINDS maps each to its
handler: `collect` is defined here, the kinds whose work lives above this layer (`book`, `story`) are
registered by app/services/job_kinds.py when app.services is imported, as is the `book_render` prompt
builder (PROMPT_BUILDERS): this package never imports the layers above it. A handler takes
`(job, dependencies: dict[id, Job], context: app.jobs.context.JobContext)` and returns the job's
outputs; it reads the worker's config from the context. COORDINATOR_KINDS wait on child jobs: a worker
runs them on a thread of their own, never on a consumer thread the children need.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.errors import InkframeError

from ..workflows.family_choice import WORKFLOWS as FAMILY_WORKFLOWS
from .models import Job, JobOutput

COMFY_KINDS: tuple[str, ...] = ("prompt", "workflow", "book_render")
COORDINATOR_KINDS: frozenset[str] = frozenset({"book"})
BOOK_WORKFLOWS: tuple[str, ...] = tuple(
    dict.fromkeys(  # the SD1.5 built-ins, then each model family's
        (
            "panel",
            "background",
            "img2img_restyle",
            "upscale_face_restore",
            *(choice.workflow for choice in FAMILY_WORKFLOWS.values()),
        )
    )
)
UPLOAD_NAME = re.compile(r"^[0-9a-f]{16,64}\.png$")
UPLOAD_PREFIX = "inkframe_book_"
OUTPUT_PREFIX_ROOT = "inkframe_jobs"

LocalHandler = Callable[[Job, dict[str, Job], Any], list[JobOutput]]  # (job, dependencies, JobContext)
PromptBuilder = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]  # (parameters, object_info)
# kind -> handler; `collect` is added below, `book` (a whole script: panels, pages, PDF/CBZ, resumable) and
# `story` (the writers' room: story -> script) by app/services/job_kinds.py.
LOCAL_KINDS: dict[str, LocalHandler] = {}
PROMPT_BUILDERS: dict[str, PromptBuilder] = {}  # `book_render`, registered by app/services/job_kinds.py


class JobKindError(InkframeError):
    """A job whose kind or parameters cannot be turned into work; `field` names the culprit (dotted)."""

    def __init__(self, message: str, *, field: str = "parameters") -> None:
        super().__init__(message)
        self.field = field


def register_local_kind(kind: str, handler: LocalHandler) -> None:
    """Make `kind` a local job kind run by `handler` (the same handler again is a no-op)."""
    if kind in COMFY_KINDS:
        raise ValueError(f"kind {kind!r} runs on ComfyUI and cannot be a local kind.")
    LOCAL_KINDS[kind] = handler


def register_prompt_builder(kind: str, builder: PromptBuilder) -> None:
    """Build the API prompt of a ComfyUI kind whose workflows live above this layer (`book_render`)."""
    if kind not in COMFY_KINDS:
        raise ValueError(f"kind {kind!r} is not a ComfyUI kind.")
    PROMPT_BUILDERS[kind] = builder


def known_kinds() -> tuple[str, ...]:
    return COMFY_KINDS + tuple(LOCAL_KINDS)


def is_local(kind: str) -> bool:
    return kind in LOCAL_KINDS


def validate_kind(kind: str, parameters: Mapping[str, Any], *, local_paths: bool = False) -> None:
    """Raise JobKindError naming the field when a job cannot be built; cheap, run at submit time.
    `local_paths`: the submitter is a user at a terminal of this machine (`comic build --out DIR`), whose
    book may be built in any absolute folder; the API and the UI never pass it."""
    if kind not in known_kinds():
        raise JobKindError(f"kind {kind!r} is unknown; use one of {', '.join(known_kinds())}.", field="kind")
    if kind == "prompt":
        prompt = parameters.get("prompt")
        if not isinstance(prompt, Mapping) or not prompt:
            raise JobKindError(
                "parameters.prompt must be a non-empty API-format prompt (node id -> {class_type, inputs}).",
                field="parameters.prompt",
            )
        for node_id, node in prompt.items():
            if not isinstance(node, Mapping) or not isinstance(node.get("class_type"), str):
                raise JobKindError(
                    f"parameters.prompt.{node_id} must be an object with a class_type string.",
                    field=f"parameters.prompt.{node_id}",
                )
    if kind == "workflow":
        if not isinstance(parameters.get("workflow"), str):
            raise JobKindError(
                "parameters.workflow must name a workflow file (e.g. workflows/panel.json).",
                field="parameters.workflow",
            )
        if not isinstance(parameters.get("overrides") or {}, Mapping):
            raise JobKindError("parameters.overrides must map parameter names to values.", field="parameters.overrides")
        from app.workflows import resolve_workflow

        try:
            resolve_workflow(parameters["workflow"])
        except InkframeError as exc:  # the workflow layer's sentence names the missing file and the library
            raise JobKindError(str(exc), field="parameters.workflow") from exc

    if kind == "book_render":
        _validate_book_render(parameters)
    if kind == "book":
        _require_file(
            parameters,
            "script",
            "parameters.script must name the comic script file to build (e.g. scripts/issue1.txt).",
        )
        out = parameters.get("out_dir")
        if local_paths and isinstance(out, str) and Path(out).is_absolute():
            return
        if out is not None and not (
            isinstance(out, str)
            and out
            and not Path(out).is_absolute()
            and all(re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", part) for part in Path(out).parts)
        ):
            raise JobKindError(
                "parameters.out_dir must be a folder inside the output folder (e.g. books/my-book), "
                "made of letters, digits, '.', '_' and '-'.",
                field="parameters.out_dir",
            )
    if kind == "story" and not isinstance(parameters.get("story_text"), str):
        _require_file(
            parameters, "story_path", "parameters.story_text or parameters.story_path must give the story to draft."
        )


def _require_file(parameters: Mapping[str, Any], key: str, missing: str) -> None:
    value = parameters.get(key)
    if not isinstance(value, str) or not value.strip():
        raise JobKindError(missing, field=f"parameters.{key}")
    if not Path(value).is_file():
        raise JobKindError(
            f"parameters.{key}: {value} does not exist on the machine that runs the queue.", field=f"parameters.{key}"
        )


def _validate_book_render(parameters: Mapping[str, Any]) -> None:
    if parameters.get("workflow") not in BOOK_WORKFLOWS:
        raise JobKindError(
            f"parameters.workflow must be one of {', '.join(BOOK_WORKFLOWS)}.", field="parameters.workflow"
        )
    if not isinstance(parameters.get("params") or {}, Mapping):
        raise JobKindError("parameters.params must map workflow parameters to values.", field="parameters.params")
    images = parameters.get("images") or {}
    if not isinstance(images, Mapping):
        raise JobKindError("parameters.images must map image parameters to files.", field="parameters.images")
    for key, path in images.items():
        parts = Path(path).parts if isinstance(path, str) else ()
        if (
            len(parts) != 4
            or parts[0] != "jobs"
            or parts[2] != "inputs"
            or not UPLOAD_NAME.match(parts[3])
            or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", parts[1])
        ):
            raise JobKindError(
                f"parameters.images.{key} must be a picture a book job saved (jobs/<job id>/inputs/<digest>.png).",
                field=f"parameters.images.{key}",
            )
    size = parameters.get("size")
    if size is not None and not (
        isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and 8 <= v <= 16384 for v in size)
    ):
        raise JobKindError("parameters.size must be [width, height] in pixels (8 to 16384).", field="parameters.size")
    enable = parameters.get("enable") or []
    if not isinstance(enable, list) or not all(isinstance(v, str) for v in enable):
        raise JobKindError("parameters.enable must list node types.", field="parameters.enable")


def needs_object_info(kind: str) -> bool:
    """Workflow files in UI format are converted with a backend's /object_info (widget names)."""
    return kind in ("workflow", "book_render")


def upload_name(path: str) -> str:
    """The file name a book_render input is uploaded under (its content digest: the same on every backend)."""
    return UPLOAD_PREFIX + Path(path).name


def uploads(job: Job) -> dict[str, str]:
    """{upload name: path relative to the output folder} of the pictures a job sends to its backend."""
    if job.kind != "book_render":
        return {}
    return {upload_name(path): path for path in (job.parameters.get("images") or {}).values()}


def upload_inputs(job: Job, client: Any, output_dir: Path) -> None:
    """Upload the job's input pictures to the backend it was placed on (right before its prompt is posted)."""
    for name, relative in uploads(job).items():
        client.upload_image((output_dir / relative).read_bytes(), filename=name, overwrite=True)


def build_prompt(job: Job, object_info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The API-format prompt of a ComfyUI job, with idempotent output names."""
    validate_kind(job.kind, job.parameters)
    if job.kind == "prompt":
        prompt = copy.deepcopy(dict(job.parameters["prompt"]))
    elif job.kind == "workflow":
        prompt = _workflow_prompt(job.parameters, object_info or {})
    elif job.kind in PROMPT_BUILDERS:
        prompt = PROMPT_BUILDERS[job.kind](job.parameters, object_info or {})
    elif job.kind == "book_render":
        raise JobKindError(
            "kind 'book_render' has no prompt builder in this process: import app.services, whose "
            "job_kinds module registers it.",
            field="kind",
        )
    else:
        raise JobKindError(f"kind {job.kind!r} runs locally and has no ComfyUI prompt.")
    return name_outputs_after_job(prompt, job.id)


def _workflow_prompt(parameters: Mapping[str, Any], object_info: Mapping[str, Any]) -> dict[str, Any]:
    from app.workflows import apply_overrides, load_workflow, parameter_schema, resolve_workflow, to_api

    workflow = load_workflow(resolve_workflow(parameters["workflow"]))
    prompt = to_api(workflow, object_info)
    overrides = parameters.get("overrides") or {}
    if overrides:
        prompt = apply_overrides(prompt, dict(overrides), parameter_schema(workflow, object_info))
    return dict(prompt)


def name_outputs_after_job(prompt: dict[str, Any], job_id: str) -> dict[str, Any]:
    for node_id, node in prompt.items():
        inputs = node.get("inputs")
        if isinstance(inputs, dict) and isinstance(inputs.get("filename_prefix"), str):
            inputs["filename_prefix"] = f"{OUTPUT_PREFIX_ROOT}/{job_id}/{node_id}"
    return prompt


def local_handler(kind: str) -> LocalHandler:
    handler = LOCAL_KINDS.get(kind)
    if handler is None:
        raise JobKindError(f"kind {kind!r} is not a local kind.")
    return handler


def job_output_dir(output_dir: Path, job_id: str) -> Path:
    return output_dir / "jobs" / job_id


def collect_dependency_outputs(job: Job, dependencies: dict[str, Job], context: Any) -> list[JobOutput]:
    """Copy every dependency's outputs under this job (the last step of a batch: gather the results)."""
    output_dir = context.output_dir
    target = job_output_dir(output_dir, job.id)
    target.mkdir(parents=True, exist_ok=True)
    outputs: list[JobOutput] = []
    for dep_id in job.depends_on:
        for output in dependencies[dep_id].outputs:
            name = f"{dep_id}_{Path(output.path).name}"
            shutil.copyfile(output_dir / output.path, target / name)
            outputs.append(
                JobOutput(
                    node_id=output.node_id,
                    filename=name,
                    kind=output.kind,
                    path=str((target / name).relative_to(output_dir)),
                )
            )
    return outputs


register_local_kind("collect", collect_dependency_outputs)
