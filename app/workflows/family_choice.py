"""Which built-in workflow a capability runs for a model family, with which model files (pure: no IO).

Each image capability (panel, background, character sheet, img2img restyle) has one workflow per family
(scripts/workflow_defs/image_families.py, sheet_families.py);
the user names a family (a book style preset, the per-capability setting) or none, and then the first family the
backend has is used (`families.default_family`). A panel with character references keeps the character by
IPAdapter where the family has it (SD1.5's `panel`) and otherwise by reference editing: Flux.1 Kontext or
Qwen-Image-Edit-2509 with the character's sheet / portrait as the reference image (`reference_edit=True`).
A reference-edit family asked for a sheet, restyle or background uses its text-to-image sibling (Kontext -> Flux.1
dev, Qwen-Edit -> Qwen-Image); an SDXL sheet is posed by an SDXL OpenPose ControlNet when the backend has one.

    backend = detect_families(object_info)
    choice = choose_family("panel", backend, "flux1_dev", references=True)
    choice.workflow, choice.parameters, choice.enable   # panel_flux_kontext, {unet: ..., t5: ...}, set()
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import WorkflowError
from .families import FAMILIES, BackendFamilies, default_family

FamilyCapability = Literal["panel", "background", "character_sheet", "img2img_restyle"]
FAMILY_CAPABILITIES: tuple[FamilyCapability, ...] = ("panel", "background", "character_sheet", "img2img_restyle")
VPRED_NODE = "ModelSamplingDiscrete"
EXTRA_REFERENCE_TITLES = ("Reference image 2", "Reference image 3")  # bypassed LoadImage nodes of panel_qwen_edit
IPADAPTER_FAMILIES = frozenset({"sd15", "sdxl", "sdxl_vpred"})  # families whose panel carries the IPAdapter pair
IPADAPTER_NODES = ("IPAdapterUnifiedLoader", "IPAdapter")
# What IPAdapterUnifiedLoader's PLUS preset loads for an SDXL checkpoint (models/ipadapter, models/clip_vision).
SDXL_IPADAPTER = re.compile(r"ip[-_]?adapter[-_]plus[-_]sdxl[-_]vit[-_]h")
VIT_H = re.compile(r"vit[-_]h[-_]14|vit[-_]h")
# An SDXL OpenPose ControlNet in models/controlnet (thibaud's OpenPoseXL2, xinsir's controlnet-openpose-sdxl-1.0);
# a union model needs SetUnionControlNetType and is not used.
SDXL_OPENPOSE = re.compile(r"(?=.*open[-_]?pose)(?=.*xl)(?!.*union)")
SHEET_CONTROLNET = ("SDXL OpenPose ControlNet (optional)", "Apply turnaround pose (optional)")  # bypassed titles
# What to install for a family, said when a capability needs it (one sentence's tail).
INSTALL = {
    "sd15": "an SD1.5 checkpoint (v1-5-pruned-emaonly.safetensors) in models/checkpoints",
    "sdxl": "an SDXL checkpoint (sd_xl_base_1.0.safetensors or a fine-tune) in models/checkpoints",
    "sdxl_vpred": "a v-prediction SDXL checkpoint in models/checkpoints",
    "flux1_dev": "flux1-dev.safetensors in models/diffusion_models (beside clip_l, t5xxl and ae)",
    "flux1_schnell": "flux1-schnell.safetensors in models/diffusion_models (beside clip_l, t5xxl and ae)",
    "qwen_image": "qwen_image_fp8_e4m3fn.safetensors in models/diffusion_models (beside its text encoder and VAE)",
}


@dataclass(frozen=True)
class FamilyWorkflow:
    workflow: str
    enable: frozenset[str] = frozenset()  # bypassed node types / titles the family switches on
    defaults: tuple[tuple[str, Any], ...] = ()  # parameter values the family sets (schnell: 4 steps)
    max_references: int = 0  # reference images the workflow takes (reference editing)


_SDXL_VPRED = frozenset({VPRED_NODE})
_SCHNELL = (("steps", 4), ("guidance", 0.0))
WORKFLOWS: dict[tuple[str, str], FamilyWorkflow] = {
    ("panel", "sd15"): FamilyWorkflow("panel"),
    ("background", "sd15"): FamilyWorkflow("background"),
    ("panel", "sdxl"): FamilyWorkflow("panel_sdxl"),
    ("background", "sdxl"): FamilyWorkflow("background_sdxl"),
    ("panel", "sdxl_vpred"): FamilyWorkflow("panel_sdxl", _SDXL_VPRED),
    ("background", "sdxl_vpred"): FamilyWorkflow("background_sdxl", _SDXL_VPRED),
    ("panel", "flux1_dev"): FamilyWorkflow("panel_flux"),
    ("background", "flux1_dev"): FamilyWorkflow("background_flux"),
    ("panel", "flux1_schnell"): FamilyWorkflow("panel_flux", defaults=_SCHNELL),
    ("background", "flux1_schnell"): FamilyWorkflow("background_flux", defaults=_SCHNELL),
    ("panel", "qwen_image"): FamilyWorkflow("panel_qwen"),
    ("background", "qwen_image"): FamilyWorkflow("background_qwen"),
    ("panel", "flux1_kontext"): FamilyWorkflow("panel_flux_kontext", max_references=1),
    ("panel", "qwen_image_edit_2509"): FamilyWorkflow("panel_qwen_edit", max_references=3),
    ("character_sheet", "sd15"): FamilyWorkflow("character_sheet"),
    ("img2img_restyle", "sd15"): FamilyWorkflow("img2img_restyle"),
    ("character_sheet", "sdxl"): FamilyWorkflow("character_sheet_sdxl"),
    ("img2img_restyle", "sdxl"): FamilyWorkflow("img2img_restyle_sdxl"),
    ("character_sheet", "sdxl_vpred"): FamilyWorkflow("character_sheet_sdxl", _SDXL_VPRED),
    ("img2img_restyle", "sdxl_vpred"): FamilyWorkflow("img2img_restyle_sdxl", _SDXL_VPRED),
    ("character_sheet", "flux1_dev"): FamilyWorkflow("character_sheet_flux"),
    ("img2img_restyle", "flux1_dev"): FamilyWorkflow("img2img_restyle_flux"),
    ("character_sheet", "flux1_schnell"): FamilyWorkflow("character_sheet_flux", defaults=_SCHNELL),
    ("img2img_restyle", "flux1_schnell"): FamilyWorkflow("img2img_restyle_flux", defaults=_SCHNELL),
    ("character_sheet", "qwen_image"): FamilyWorkflow("character_sheet_qwen"),
    ("img2img_restyle", "qwen_image"): FamilyWorkflow("img2img_restyle_qwen"),
}
# Flux workflows with an all-in-one-checkpoint twin (CheckpointLoaderSimple; Comfy-Org's flux1-dev-fp8 /
# flux1-schnell-fp8): `<workflow>_checkpoint`. Kontext ships as split files only.
FLUX_CHECKPOINT_SUFFIX = "_checkpoint"
FLUX_CHECKPOINT_WORKFLOWS = frozenset(
    f"{name}{FLUX_CHECKPOINT_SUFFIX}"
    for name in ("panel_flux", "background_flux", "character_sheet_flux", "img2img_restyle_flux")
)
# The reference-edit family a family's panels use for consistent characters, nearest architecture first.
EDIT_FAMILIES: dict[str, tuple[str, ...]] = {
    "qwen_image": ("qwen_image_edit_2509", "flux1_kontext"),
    "qwen_image_edit_2509": ("qwen_image_edit_2509",),
    "flux1_kontext": ("flux1_kontext",),
}
DEFAULT_EDIT_ORDER = ("flux1_kontext", "qwen_image_edit_2509")
# A reference-edit family asked for a background draws it with its text-to-image sibling.
TEXT_TO_IMAGE = {"flux1_kontext": "flux1_dev", "qwen_image_edit_2509": "qwen_image"}


class FamilyUnavailable(WorkflowError):
    """The family asked for cannot run the capability on this backend; the message is one sentence."""


@dataclass(frozen=True)
class FamilyChoice:
    capability: str
    family: str  # the family whose workflow runs
    workflow: str
    parameters: dict[str, Any] = field(default_factory=dict)  # model files (by role) and the family's defaults
    enable: frozenset[str] = frozenset()
    reference_edit: bool = False  # the references go into the workflow as reference images
    max_references: int = 0
    requested: str | None = None  # the family the user named (None: the backend's default)
    notes: tuple[str, ...] = ()

    @property
    def ipadapter(self) -> bool:
        """The references go into the panel's IPAdapter pair (an SDXL panel on a backend with its IPAdapter files)."""
        return set(IPADAPTER_NODES) <= self.enable

    @property
    def label(self) -> str:
        return FAMILIES[self.family].label


def family_workflows(capability: str) -> dict[str, FamilyWorkflow]:
    """Family id -> workflow for one capability."""
    return {family: spec for (cap, family), spec in WORKFLOWS.items() if cap == capability}


def check_family(family: str | None) -> str | None:
    """`family` normalised (None / "" / "auto" = the backend's default); an unknown id raises one sentence."""
    key = (family or "").strip().lower()
    if key in ("", "auto", "default"):
        return None
    if key not in FAMILIES or FAMILIES[key].kind == "video":
        known = ", ".join(f for f, spec in FAMILIES.items() if spec.kind != "video")
        raise FamilyUnavailable(f"there is no image model family {family!r}; use one of: {known} (or auto).")
    return key


def choose_family(
    capability: str,
    backend: BackendFamilies,
    requested: str | None = None,
    *,
    references: bool = False,
    preferred: tuple[str, ...] = (),
) -> FamilyChoice:
    """The workflow, model files and switches for `capability` on a backend with `backend`'s families.

    `requested` None picks the first image family the backend has (`preferred` first). With `references`, a
    panel of a family without IPAdapter is made by the nearest reference-edit family the backend has (the
    requested family itself when it is one); without one, the plain family runs and a note says so."""
    wanted = check_family(requested)
    if capability != "panel" and wanted in TEXT_TO_IMAGE:
        sibling = TEXT_TO_IMAGE[wanted]
        if sibling not in backend.present:
            raise FamilyUnavailable(_needs_sibling(capability, wanted, sibling))
        wanted = sibling
    family = wanted or default_family(backend, "image", preferred)
    if family is None and capability == "panel":
        family = default_family(backend, "edit", preferred)
    if family is None:
        edit = default_family(backend, "edit", preferred)
        if edit is not None:
            raise FamilyUnavailable(_needs_sibling(capability, edit, TEXT_TO_IMAGE[edit]))
        raise FamilyUnavailable(
            f"this backend has no image model family for the {capability}: {_nothing_found(backend)}"
        )
    notes: list[str] = []
    by_ipadapter = references and capability == "panel" and family in IPADAPTER_FAMILIES
    if by_ipadapter and family != "sd15" and not has_sdxl_ipadapter(backend):
        by_ipadapter = False  # SDXL without its IPAdapter files: reference editing, as for the other families
    if references and capability == "panel" and not by_ipadapter and family != "sd15":
        edit = next((f for f in EDIT_FAMILIES.get(family, DEFAULT_EDIT_ORDER) if f in backend.present), None)
        if edit is None:
            lacking = "IPAdapter files here (ip-adapter-plus_sdxl_vit-h, ViT-H)" if family in IPADAPTER_FAMILIES else ""
            notes.append(
                f"{FAMILIES[family].label} has no {lacking or 'IPAdapter'} and this backend has no reference-edit "
                "family (Flux.1 Kontext, Qwen-Image-Edit-2509); references are used by the identity gate only."
            )
        else:
            family = edit
    spec = WORKFLOWS.get((capability, family))
    if spec is None:
        raise FamilyUnavailable(f"{FAMILIES[family].label} has no built-in {capability} workflow.")
    if family not in backend.present:
        raise FamilyUnavailable(backend.sentence(family))
    files = backend.present[family].default_files
    enable = set(spec.enable)
    if capability == "character_sheet" and FAMILIES[family].base == "sdxl":
        pose = next((n for n in backend.controlnets if SDXL_OPENPOSE.search(n.rsplit("/", 1)[-1].lower())), None)
        if pose is None:
            notes.append(
                "this backend has no SDXL OpenPose ControlNet (e.g. OpenPoseXL2.safetensors in models/controlnet), "
                "so the turnaround follows the prompt only."
            )
        else:
            files["controlnet"] = pose
            enable |= set(SHEET_CONTROLNET)
    workflow = spec.workflow
    if "checkpoint" in files and FAMILIES[family].base == "flux1":  # an all-in-one Flux checkpoint
        workflow = f"{spec.workflow}{FLUX_CHECKPOINT_SUFFIX}"
        if workflow not in FLUX_CHECKPOINT_WORKFLOWS:
            raise FamilyUnavailable(
                f"{FAMILIES[family].label} is only here as an all-in-one checkpoint ({files['checkpoint']}); its "
                f"{spec.workflow} workflow loads the split files (transformer, clip_l, t5, ae)."
            )
    if by_ipadapter and family != "sd15":
        enable |= set(IPADAPTER_NODES)
    return FamilyChoice(
        capability,
        family,
        workflow,
        {**files, **dict(spec.defaults)},
        frozenset(enable),
        reference_edit=spec.max_references > 0,
        max_references=spec.max_references,
        requested=wanted,
        notes=tuple(notes),
    )


def has_sdxl_ipadapter(backend: BackendFamilies) -> bool:
    """The backend lists what IPAdapterUnifiedLoader's PLUS preset loads for SDXL (ip-adapter-plus_sdxl_vit-h and
    a ViT-H image encoder); without ComfyUI_IPAdapter_plus its loader lists nothing."""
    names = {
        folder: [n.replace("\\", "/").rsplit("/", 1)[-1].lower() for n in backend.optional.get(folder, [])]
        for folder in ("ipadapter", "clip_vision")
    }
    return any(SDXL_IPADAPTER.search(n) for n in names["ipadapter"]) and any(
        VIT_H.search(n) for n in names["clip_vision"]
    )


def reference_enable(choice: FamilyChoice, count: int) -> frozenset[str]:
    """The bypassed reference nodes to switch on for `count` reference images (beyond the first)."""
    extra = max(0, min(count, choice.max_references) - 1)
    return frozenset(EXTRA_REFERENCE_TITLES[:extra])


@dataclass(frozen=True)
class FamilyStatus:
    capability: str
    family: str
    workflow: str
    ready: bool
    reason: str  # "ready" or one sentence of what is missing

    def row(self) -> list[str]:
        return [f"{self.capability.replace('_', ' ').capitalize()} ({FAMILIES[self.family].label})", self.reason]


def family_statuses(backend: BackendFamilies, missing_nodes: Mapping[str, str] | None = None) -> list[FamilyStatus]:
    """Per capability and family: ready, or what the backend lacks (model files by role; a workflow's missing
    node types when `missing_nodes` maps workflow -> sentence)."""
    rows = []
    for (capability, family), spec in WORKFLOWS.items():
        if family not in backend.present:
            rows.append(FamilyStatus(capability, family, spec.workflow, False, backend.sentence(family)))
            continue
        blocked = (missing_nodes or {}).get(spec.workflow, "")
        rows.append(FamilyStatus(capability, family, spec.workflow, not blocked, blocked or "ready"))
    return rows


def _needs_sibling(capability: str, edit: str, sibling: str) -> str:
    what = capability.replace("_", " ").replace("img2img", "image-to-image")
    return (
        f"{FAMILIES[edit].label.split(' (')[0]} only edits panels; the {what} needs {FAMILIES[sibling].label}: "
        f"install {INSTALL[sibling]}."
    )


def _nothing_found(backend: BackendFamilies) -> str:
    if backend.partial:
        return " ".join(backend.sentence(f) for f in backend.partial)
    loose = sorted(n for names in backend.unclassified.values() for n in names)
    if loose:
        return f"its model files ({', '.join(loose[:3])}) name no known family."
    return "it has no checkpoint or diffusion model files."


def family_table(backend: BackendFamilies, statuses: list[FamilyStatus]) -> list[list[str]]:
    """Compact [label, status] rows for the capability table: one per image family the backend has files of (ready
    with its capabilities, or what is missing), and one row naming the families it has no file of."""
    rows, absent = [], []
    for family_id, family in FAMILIES.items():
        mine = [s for s in statuses if s.family == family_id]
        if not mine:
            continue
        if family_id not in backend.present and family_id not in backend.partial:
            absent.append(family.label.split(" (")[0])
            continue
        ready = [s.capability.replace("_", " ") for s in mine if s.ready]
        blocked = next((s.reason for s in mine if not s.ready), "")
        status = f"ready ({', '.join(ready)})" if ready and not blocked else blocked
        rows.append([f"Family {family.label.split(' (')[0]}", status])
    if absent:
        rows.append(["Other families", "no model files of " + ", ".join(dict.fromkeys(absent))])
    return rows


def missing_node_sentences(workflows: Mapping[str, Any], object_info: Mapping[str, Any]) -> dict[str, str]:
    """Family workflow -> 'this ComfyUI lacks node types ...' for the node types of its UI file the backend lacks."""
    found = {}
    for name in {spec.workflow for spec in WORKFLOWS.values()}:
        workflow = workflows.get(name)
        if workflow is None:
            found[name] = f"the workflow library has no {name}.json."
            continue
        nodes = [n for n in workflow.raw.get("nodes", []) if n.get("mode") != 4]  # a bypassed node needs no type
        types = {str(n.get("type")) for n in nodes} - {"PrimitiveNode", "Note", "MarkdownNote"}
        lacking = sorted(t for t in types if t not in object_info)
        if lacking:
            found[name] = f"this ComfyUI lacks {', '.join(lacking)}: update ComfyUI (0.3.64 has them)."
    return found
