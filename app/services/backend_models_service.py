"""The model files the backend has, for every place a model is chosen (workflow forms, the book builder).

The lists come from the backend's `/object_info` (each loader's file input lists one models/ folder),
fetched through `app.comfy` and cached per backend URL by its client; `refresh` forgets the cache so
files added since show up. The default is the workflow's own file when the backend has it, else a
present file the manifest names for that workflow, else the first present file; a missing default is
said once, with the manifest's download line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..config import Config, Timeouts
from ..errors import InkframeError
from ..workflows import ModelEntry, Parameter, load_manifest, load_workflow, to_api
from ..workflows.manifest import FAMILIES_MANIFEST, find_model
from ..workflows.model_folders import (
    FOLDER_SOURCES,
    KIND_FOLDERS,
    folder_files,
    folder_for,
    folder_of_input,
    input_choices,
    model_input_of,
    only_files,
)

MODEL_KINDS = frozenset(KIND_FOLDERS) | frozenset(FOLDER_SOURCES)  # parameter kinds that name a model file
TEXT_KINDS = frozenset({"text"})  # a text parameter that feeds a loader's file input is a model choice too
FOLDER_NOUNS = {
    "checkpoints": "checkpoint",
    "loras": "LoRA",
    "vae": "VAE",
    "controlnet": "ControlNet model",
    "upscale_models": "upscale model",
    "animatediff_models": "motion module",
    "clip_vision": "CLIP vision model",
    "ipadapter": "IP-Adapter model",
    "insightface": "face swap model",
    "facerestore_models": "face restore model",
}


class BackendModelsError(InkframeError):
    """The backend's model lists cannot be read."""


@dataclass(frozen=True)
class ModelChoices:
    """The files one model input can take on this backend, the value to show first, and a note when the
    wanted default is missing (empty otherwise)."""

    folder: str
    files: tuple[str, ...]
    value: str | None
    note: str = ""


def object_info(config: Config, url: str, *, refresh: bool = False) -> dict[str, Any]:
    """The backend's /object_info (cached per URL for the process); one sentence when it cannot be read."""
    from ..backoff import Backoff
    from ..comfy import ComfyClient, ComfyError

    timeouts = Timeouts(connect=min(config.comfyui.timeouts.connect, 3.0), read=config.comfyui.timeouts.read)
    try:
        with ComfyClient(url, timeouts=timeouts, retry=Backoff(attempts=1)) as client:
            return client.object_info(refresh=refresh)
    except ComfyError as exc:
        raise BackendModelsError(f"Cannot list the backend's models: {str(exc).rstrip('.')}.") from exc


def backend_models(config: Config, url: str, kind: str, *, refresh: bool = False) -> list[str]:
    """The files the backend has for a model kind or folder ('model'/'checkpoints', 'lora', 'vae', ...)."""
    folder = folder_for(kind)
    files = folder_files(object_info(config, url, refresh=refresh), folder)
    if files is None:
        raise BackendModelsError(
            f"The backend at {url} has no loader node that lists models/{folder}; "
            "install the node pack that reads that folder."
        )
    return files


def download_hint(name: str, folder: str, entries: list[ModelEntry] | None = None) -> str:
    """`python scripts/download_models.py --only NAME` with the size, or where to put a file the manifest lacks."""
    entry = find_model(entries if entries is not None else _manifest(), name)
    if entry is None:
        return f"put it in the backend's models/{folder} folder"
    size = f", {entry.size / 1e9:.1f} GB" if entry.size else ""
    families = entry.name in _family_file_names()  # a modern family's file: fetched from models/families.yaml
    manifest = f"--manifest {FAMILIES_MANIFEST.parent.name}/{FAMILIES_MANIFEST.name} " if families else ""
    return (
        f"download it with `python scripts/download_models.py {manifest}--only {entry.name}` "
        f"(into models/{entry.folder}{size})"
    )


def choose(
    files: list[str], wanted: str | None, folder: str, *, workflow: str = "", entries: list[ModelEntry] | None = None
) -> ModelChoices:
    """The value to show for a model input: `wanted` when present, else a suitable present file, with a note."""
    entries = entries if entries is not None else _manifest()
    noun = FOLDER_NOUNS.get(folder, f"models/{folder} file")
    if wanted and wanted in files:
        return ModelChoices(folder, tuple(files), wanted)
    same = next((f for f in files if _base(f) == _base(wanted)), None) if wanted else None
    if same:  # the same file in a sub-folder of the backend's models/<folder>
        return ModelChoices(folder, tuple(files), same)
    suggested = [e.name for e in entries if e.folder == folder and (not workflow or workflow in e.used_by)]
    present = next((f for f in files if _base(f) in suggested), None)
    if present and not wanted:
        return ModelChoices(folder, tuple(files), present)
    value = present or (files[0] if files else None)
    target = wanted or (suggested[0] if suggested else None)
    if target is None:  # no default wanted (an optional LoRA ...): nothing to say
        return ModelChoices(folder, tuple(files), value)
    where = f"using {value} instead" if value else f"the backend has no {noun} at all"
    note = f"The {noun} {target} is not on the backend ({where}); {download_hint(target, folder, entries)}."
    return ModelChoices(folder, tuple(files), value, note)


def model_parameters(parameters: tuple[Parameter, ...] | list[Parameter]) -> list[Parameter]:
    return [p for p in parameters if p.kind in MODEL_KINDS]


def form_choices(
    config: Config,
    url: str,
    workflow_path: Any,
    parameters: tuple[Parameter, ...] | list[Parameter],
    *,
    workflow: str = "",
) -> dict[str, ModelChoices]:
    """Parameter name -> the backend's files, for each model parameter of a workflow and each text parameter
    whose value lands on a loader's file input. Raises when the backend is unreachable and a model kind is declared."""
    candidates = [p for p in parameters if p.kind in MODEL_KINDS or p.kind in TEXT_KINDS]
    if not candidates:
        return {}
    try:
        info = object_info(config, url)
    except BackendModelsError:
        if model_parameters(parameters):
            raise
        return {}
    try:
        prompt = to_api(load_workflow(workflow_path), info)
    except InkframeError:
        prompt = {}
    entries = _manifest()
    result: dict[str, ModelChoices] = {}
    for parameter in candidates:
        files, folder = None, folder_for(parameter.kind)
        target = model_input_of(prompt, parameter.node_id, parameter.input)
        known = folder_of_input(*target) if target is not None else None
        if parameter.kind in TEXT_KINDS and known is None:
            continue  # a plain text parameter
        if target is not None:
            folder = known or folder
            choices = input_choices(info, *target)
            files = only_files(choices) if choices is not None else None
        if files is None:
            files = folder_files(info, folder) or []
        default = str(parameter.default) if parameter.default not in (None, "") else None
        result[parameter.name] = choose(files, default, folder, workflow=workflow, entries=entries)
    return result


def workflow_checkpoint(config: Config, url: str, workflow: str) -> ModelChoices:
    """The backend's checkpoints for a workflow's checkpoint parameter (the Comic tab's book builds use `panel`)."""
    from .workflow_form_service import describe

    info = describe(workflow)
    choices = form_choices(config, url, info.path, info.parameters, workflow=info.name)
    found = next((c for c in choices.values() if c.folder == "checkpoints"), None)
    if found is not None:
        return found
    return choose(backend_models(config, url, "checkpoints"), None, "checkpoints", workflow=info.name)


def book_checkpoint(config: Config, url: str, workflow: str = "panel") -> ModelChoices:
    """The Comic tab's checkpoint: the panel workflow's (SD1.5) choice, except on a backend without SD1.5 files whose
    panels a newer family draws (the book build's default, family_choice): then that family's own checkpoint is
    shown first and the note names the family instead of asking for the SD1.5 file the build will not use."""
    from ..workflows.families import FAMILIES, default_family, detect_families

    choice = workflow_checkpoint(config, url, workflow)
    if not choice.note:
        return choice
    backend = detect_families(object_info(config, url))
    family = default_family(backend, "image")
    if family is None or family == "sd15":
        return choice
    files = backend.present[family].default_files
    label = FAMILIES[family].label.split(" (")[0]  # "SDXL (eps)" -> "SDXL"
    own = files.get("checkpoint")
    if own is None:  # Flux.1 / Qwen-Image: diffusion model + text encoders + VAE, no checkpoint to pick
        note = f"Panels are drawn with {label} from its own model files; a checkpoint picked here is not used."
        return replace(choice, value=None, note=note)
    value = next((f for f in choice.files if _base(f) == _base(own)), choice.value)
    note = f"Panels are drawn with {label} ({value}), the image family this backend has."
    return replace(choice, value=value, note=note)


def presence(config: Config, url: str, files: list[tuple[str, str]]) -> dict[tuple[str, str], bool | None]:
    """(folder, name) -> whether the backend lists that file (None: unknown, or no loader lists the folder)."""
    try:
        info = object_info(config, url)
    except BackendModelsError:
        return {pair: None for pair in files}
    listed = {folder: folder_files(info, folder) for folder in {folder for folder, _ in files}}
    return {
        (folder, name): (None if listed[folder] is None else any(_base(f) == _base(name) for f in listed[folder] or []))
        for folder, name in files
    }


def lists_file(config: Config, url: str, folder: str, name: str) -> bool | None:
    """Whether the backend lists `name` in models/<folder> now (asked afresh); None when that cannot be told."""
    try:
        files = backend_models(config, url, folder, refresh=True)
    except BackendModelsError:
        return None
    return any(_base(f) == _base(name) for f in files)


def forget(url: str) -> None:
    """Drop the cached lists of one backend (the next call asks it again)."""
    from ..comfy import clear_object_info_cache

    clear_object_info_cache(url.rstrip("/"))


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _manifest() -> list[ModelEntry]:
    """models/manifest.yaml, then models/families.yaml (the family workflows' files: sd_xl_base_1.0 ...)."""
    try:
        return load_manifest() + load_manifest(FAMILIES_MANIFEST)
    except InkframeError:
        return []


def _family_file_names() -> set[str]:
    try:
        return {e.name for e in load_manifest(FAMILIES_MANIFEST)}
    except InkframeError:
        return set()
