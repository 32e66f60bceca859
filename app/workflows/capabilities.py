"""What a backend can do, from its `/object_info` alone (pure: no network, no files but what it is given).

Each studio capability is run by one library workflow. It is ready on a backend when every node type the
workflow sends exists there and every model it needs is in the backend's choice lists; a model input the
user picks (a model/LoRA parameter) only needs some file in that folder. What is missing is grouped by
cause: one `MissingPack` per node pack (with its install line), one `MissingModel` per file (with its size,
folder and download line), so a stock backend's answer stays a few lines long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .manifest import ModelEntry, find_model
from .model import Parameter, Problem, Workflow
from .param_nodes import param_info
from .preflight import check_value, install_hint, preflight
from .widgets import NodeSpecs

CapabilityId = Literal[
    "panel",
    "character_sheet",
    "background",
    "img2img",
    "inpaint",
    "upscale_restore",
    "faceswap_image",
    "faceswap_video",
    "pose_animation",
    "portrait_animation",
    "image_to_video",
    "text_to_video",
]
PROJECT_PACK = "Inkframe Studio nodes"
PROJECT_PACK_INSTALL = "python scripts/download_models.py --extra-model-paths COMFYUI_DIR"
MODEL_KINDS = ("model", "lora")
UPLOAD_OPTIONS = ("image_upload", "video_upload", "animated_image_upload")
SHOWN = 3  # names listed before "and N more"


@dataclass(frozen=True)
class Capability:
    id: CapabilityId
    label: str
    workflow: str  # the library workflow that does it


CAPABILITIES: tuple[Capability, ...] = (
    Capability("panel", "Panel", "panel"),
    Capability("character_sheet", "Character sheet", "character_sheet"),
    Capability("background", "Background", "background"),
    Capability("img2img", "Image to image", "img2img_restyle"),
    Capability("inpaint", "Inpaint", "inpaint_region"),
    Capability("upscale_restore", "Upscale / face restore", "upscale_face_restore"),
    Capability("faceswap_image", "Face swap (image)", "faceswap_image"),
    Capability("faceswap_video", "Face swap (video)", "faceswap_video"),
    Capability("pose_animation", "Pose animation", "pose_animation"),
    Capability("portrait_animation", "Portrait animation", "portrait_animation"),
    Capability("image_to_video", "Image to video", "image_to_video"),
    Capability("text_to_video", "Text to video", "text_to_video"),
)
BY_ID: dict[str, Capability] = {c.id: c for c in CAPABILITIES}


@dataclass(frozen=True)
class MissingPack:
    name: str
    install: str
    node_types: tuple[str, ...] = ()

    def sentence(self) -> str:
        if self.name == PROJECT_PACK:
            return f"Load {PROJECT_PACK} into ComfyUI with `{self.install}` and restart it."
        if not self.install:
            return f"Install the node pack that provides {summarise(self.node_types)} and restart ComfyUI."
        return f"Install the {self.name} node pack with `{self.install}` and restart ComfyUI."


@dataclass(frozen=True)
class MissingModel:
    name: str
    folder: str
    size: int | None = None
    listed: bool = True  # in models/manifest.yaml (downloadable by scripts/download_models.py)

    def sentence(self) -> str:
        size = f" ({human_size(self.size)})" if self.size else ""
        if not self.listed:
            return f"Put model {self.name}{size} in ComfyUI's models/{self.folder or '<folder>'}."
        return (
            f"Download {self.name}{size} into models/{self.folder}: "
            f"`python scripts/download_models.py --only {self.name}`."
        )


@dataclass(frozen=True)
class CapabilityStatus:
    capability: Capability
    packs: tuple[MissingPack, ...] = ()
    models: tuple[MissingModel, ...] = ()
    other: tuple[str, ...] = ()  # anything else that stops it, one sentence each

    @property
    def ready(self) -> bool:
        return not (self.packs or self.models or self.other)

    def reason(self) -> str:
        """'ready', or one short line of what is missing (names summarised)."""
        if self.ready:
            return "ready"
        parts = []
        if self.packs:
            parts.append(f"node pack{'s' if len(self.packs) > 1 else ''} {summarise([p.name for p in self.packs])}")
        if self.models:
            parts.append(f"model{'s' if len(self.models) > 1 else ''} {summarise([m.name for m in self.models])}")
        text = "needs " + " and ".join(parts) if parts else ""
        if self.other:
            text = f"{text}; {self.other[0]}" if text else self.other[0]
            if len(self.other) > 1:
                text += f" (and {len(self.other) - 1} more)"
        return text

    def sentences(self) -> list[str]:
        return [p.sentence() for p in self.packs] + [m.sentence() for m in self.models] + list(self.other)


@dataclass(frozen=True)
class CapabilityReport:
    statuses: tuple[CapabilityStatus, ...] = ()
    checkpoints: tuple[str, ...] = field(default=())  # the backend's models/checkpoints listing
    families: tuple[list[str], ...] = ()  # [label, status] per model family (family_choice.family_table)

    def status(self, capability_id: str) -> CapabilityStatus | None:
        return next((s for s in self.statuses if s.capability.id == capability_id), None)

    @property
    def ready(self) -> list[CapabilityStatus]:
        return [s for s in self.statuses if s.ready]

    def missing_packs(self) -> list[tuple[MissingPack, list[str]]]:
        """Each missing pack once, with the labels of the capabilities that need it."""
        return _grouped([(p, s.capability.label) for s in self.statuses for p in s.packs], lambda p: p.name)

    def missing_models(self) -> list[tuple[MissingModel, list[str]]]:
        return _grouped([(m, s.capability.label) for s in self.statuses for m in s.models], lambda m: m.name)

    def table(self) -> list[list[str]]:
        """[capability, status] rows: the compact table of Settings and `doctor`."""
        return [[s.capability.label, s.reason()] for s in self.statuses] + [list(row) for row in self.families]


def _grouped(pairs: list[tuple[Any, str]], key: Any) -> list[tuple[Any, list[str]]]:
    found: dict[str, tuple[Any, list[str]]] = {}
    for item, label in pairs:
        entry = found.setdefault(key(item), (item, []))
        if label not in entry[1]:
            entry[1].append(label)
    return list(found.values())


def compute_capabilities(
    object_info: Mapping[str, Any],
    workflows: Mapping[str, Workflow],
    manifest: list[ModelEntry] | None = None,
    capabilities: tuple[Capability, ...] = CAPABILITIES,
) -> CapabilityReport:
    """Per capability, whether this backend (its `/object_info`) can run it and, if not, what it lacks."""
    from . import to_api  # the package's converter: parameter nodes resolved app-side, as when a job is queued

    specs = NodeSpecs({**param_info(), **dict(object_info)})  # one spec cache for every conversion and check
    statuses = []
    for capability in capabilities:
        workflow = workflows.get(capability.workflow)
        if workflow is None:
            statuses.append(
                CapabilityStatus(capability, other=(f"the workflow library has no {capability.workflow}.json",))
            )
            continue
        try:
            prompt = to_api(workflow, specs)
        except Exception as exc:  # noqa: BLE001 - a workflow that cannot convert is a reason, not a crash
            statuses.append(CapabilityStatus(capability, other=(f"{capability.workflow}: {exc}",)))
            continue
        problems = preflight(prompt, specs, manifest or []).problems
        if any(
            p.kind == "missing_node" for p in problems
        ):  # nodes behind a missing output node still need their models
            problems += _unchecked_models(
                prompt, specs, {p.node_id for p in problems if p.kind == "missing_model"}, manifest or []
            )
        statuses.append(_status(capability, problems, workflow.parameters, specs, manifest or []))
    checkpoints = specs.get("CheckpointLoaderSimple")
    listing = checkpoints.by_name["ckpt_name"].choices if checkpoints and "ckpt_name" in checkpoints.by_name else ()
    return CapabilityReport(tuple(statuses), tuple(str(c) for c in listing or ()), _family_rows(object_info, workflows))


def _family_rows(object_info: Mapping[str, Any], workflows: Mapping[str, Workflow]) -> tuple[list[str], ...]:
    """Per image model family: ready for which capabilities, or what the backend lacks (files by role, nodes)."""
    from .families import detect_families
    from .family_choice import family_statuses, family_table, missing_node_sentences

    backend = detect_families(object_info)
    return tuple(family_table(backend, family_statuses(backend, missing_node_sentences(workflows, object_info))))


def _status(
    capability: Capability,
    problems: tuple[Problem, ...],
    parameters: tuple[Parameter, ...],
    specs: NodeSpecs,
    manifest: list[ModelEntry],
) -> CapabilityStatus:
    picked = {target: p for p in parameters for target in p.bindings()}
    packs: dict[str, MissingPack] = {}
    models: dict[str, MissingModel] = {}
    other: list[str] = []
    for problem in problems:
        if problem.kind == "missing_node":
            pack = _pack_of(problem.node_type)
            known = packs.get(pack.name)
            types = tuple(dict.fromkeys([*(known.node_types if known else ()), problem.node_type]))
            packs[pack.name] = MissingPack(pack.name, pack.install, types)
            continue
        spec = specs.get(problem.node_type)
        input_spec = spec.by_name.get(problem.input) if spec else None
        param = picked.get((problem.node_id, problem.input))
        if problem.kind == "missing_model":
            if param is not None and param.kind in MODEL_KINDS and input_spec is not None and input_spec.choices:
                continue  # the user picks one of the files the backend has
            name = str(param.default if param is not None else _value_name(problem.sentence))
            entry = find_model(manifest, name)
            models[name] = MissingModel(
                entry.name if entry else name,
                entry.folder if entry else "",
                entry.size if entry else None,
                entry is not None,
            )
            continue
        if input_spec is not None and any(input_spec.options.get(o) for o in UPLOAD_OPTIONS):
            continue  # an input file: the user provides it
        if param is not None:
            continue  # a value the user sets
        other.append(problem.sentence)
    return CapabilityStatus(capability, tuple(packs.values()), tuple(models.values()), tuple(dict.fromkeys(other)))


def _unchecked_models(
    prompt: Mapping[str, Any], specs: NodeSpecs, checked: set[str], manifest: list[ModelEntry]
) -> tuple[Problem, ...]:
    """Missing-model problems of every node preflight did not validate (it checks only what an output reaches)."""
    found = []
    for node_id, node in prompt.items():
        spec = specs.get(str(node.get("class_type")))
        if spec is None or str(node_id) in checked:
            continue
        for name, value in (node.get("inputs") or {}).items():
            input_spec = spec.by_name.get(name)
            if input_spec is None or input_spec.type != "COMBO" or isinstance(value, (list, dict)):
                continue
            problem = check_value(str(node_id), spec.type, input_spec, value, manifest, True)
            if problem is not None and problem.kind == "missing_model":
                found.append(problem)
    return tuple(found)


def _pack_of(node_type: str) -> MissingPack:
    if node_type.startswith("Inkframe"):
        return MissingPack(PROJECT_PACK, PROJECT_PACK_INSTALL)
    pack, command = install_hint(node_type)
    return MissingPack(pack or f"pack providing {node_type}", command)


def _value_name(sentence: str) -> str:
    """The model file a preflight 'needs model NAME, which ...' sentence names."""
    marker = "needs model "
    return sentence.split(marker, 1)[1].split(", which", 1)[0] if marker in sentence else "?"


def summarise(names: Any, shown: int = SHOWN) -> str:
    """'a, b, c and 9 more' — long lists stay one short line."""
    items = [str(n) for n in names]
    if len(items) <= shown + 1:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"


def human_size(size: int) -> str:
    """Decimal units, like download_models.py and the workflow forms' notes (one file shows one size everywhere)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return ""
