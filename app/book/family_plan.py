"""How a panel / background / img2img restyle request, or a character sheet, runs on a model family (SDXL, Flux.1,
Qwen-Image, their reference-edit models): the family's built-in workflow, its model files, and, for a panel with
character references on a family without IPAdapter, reference editing with the character's sheet / portrait as the
reference image.

Pure: the backend's families (app.workflows.families.detect_families of its /object_info) and the workflow's
declared parameter names come in; `FamilyPlan` goes out. `None` means "the SD1.5 built-ins, as before": the
request names no family and the backend's default is SD1.5 (or no family is recognised at all).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..workflows.families import BackendFamilies
from ..workflows.family_choice import (
    SHEET_CONTROLNET,
    FamilyChoice,
    FamilyUnavailable,
    choose_family,
    reference_enable,
)
from .backend import GenerationRequest
from .errors import BookError

REFERENCE_KEYS = ("reference_image", "reference_image_2", "reference_image_3")
MEGAPIXELS = (0.01, 4.0)  # the reference_megapixels parameter's range
OLD_BUILTINS = "sd15"  # the family whose capabilities are the original built-ins (panel, character_sheet ...)
FAMILY_WORKFLOWS = ("panel", "background", "img2img_restyle")  # the GenerationRequest workflows made per family


def reference_image(path: Path) -> Image.Image:
    """The reference picture, decoded once per file version (every panel, retry and prefetch of a character uses
    the same object, so the backend uploads it once without re-encoding it)."""
    stat = Path(path).stat()
    return _decoded(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _decoded(path: str, _mtime_ns: int, _size: int) -> Image.Image:
    with Image.open(path) as picture:
        return picture.convert("RGB")


@dataclass
class FamilyPlan:
    family: str
    workflow: str
    params: dict[str, Any]
    images: dict[str, Image.Image] = field(default_factory=dict)
    enable: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    reference_edit: bool = False


def plan_family(
    request: GenerationRequest, backend: BackendFamilies | None, declared: Callable[[str], Collection[str]]
) -> FamilyPlan | None:
    """The family workflow for `request` (workflow "panel", "background" or "img2img_restyle"), or None for the
    SD1.5 built-ins. `declared(workflow)` gives a workflow's parameter names. A family that cannot run raises
    BookError."""
    if request.workflow not in FAMILY_WORKFLOWS:
        if request.family:
            raise BookError(
                f"the {request.workflow} step has no {request.family} workflow; only panels, backgrounds and "
                "restyles are made per family."
            )
        return None
    choice = _choice(request.workflow, backend, request.family, references=bool(request.references))
    if choice is None:
        return None
    names = set(declared(choice.workflow))
    values: dict[str, Any] = {
        "prompt": request.positive,
        "negative_prompt": request.negative,
        "seed": request.seed,
        "steps": request.steps,
        "cfg": request.cfg,
        **choice.parameters,
    }
    if request.steps is not None:
        values["steps"] = request.steps  # the user's steps win over a family default (schnell's 4)
    notes = list(choice.notes)
    if request.checkpoint:
        if "checkpoint" in names:
            values["checkpoint"] = request.checkpoint
        else:
            notes.append(f"checkpoint {request.checkpoint} not used: {choice.label} loads its own files.")
    if request.negative and "negative_prompt" not in names:
        notes.append(f"{choice.label} takes no negative prompt; it was left out.")
    if request.loras and "lora" not in names:
        dropped = ", ".join(lora.name for lora in request.loras)
        notes.append(f"the {choice.workflow} workflow has no LoRA loader; {dropped} not applied.")
    params = {k: v for k, v in values.items() if k in names and v is not None}
    plan = FamilyPlan(
        choice.family,
        choice.workflow,
        params,
        enable=set(choice.enable),
        notes=notes,
        reference_edit=choice.reference_edit,
    )
    if choice.ipadapter and request.references:  # an SDXL panel keeps the character by IPAdapter
        plan.images["reference_image"] = reference_image(request.references[0])
        plan.notes.append(f"kept by IPAdapter (SDXL plus) from the character reference {request.references[0].name}.")
    if request.workflow == "img2img_restyle":
        if request.init_image is None:
            raise BookError("an img2img restyle needs its source picture.")
        plan.images["image"] = request.init_image
        plan.params["restyle_strength"] = request.strength if request.strength is not None else 0.6
    if choice.reference_edit:
        if not request.references:
            raise BookError(
                f"{choice.label} edits a reference image; this {request.workflow} has no character "
                "reference to start from (pick a text-to-image family for it)."
            )
        for key, path in zip(REFERENCE_KEYS, request.references[: choice.max_references]):
            plan.images[key] = reference_image(path)
        plan.enable |= reference_enable(choice, len(request.references))
        if "reference_megapixels" in names:  # the reference costs what the panel costs
            pixels = request.width * request.height / 1e6
            plan.params["reference_megapixels"] = round(min(max(pixels, MEGAPIXELS[0]), MEGAPIXELS[1]), 2)
        plan.notes.append(f"made by {choice.label} from the character reference {request.references[0].name}.")
    return plan


def plan_sheet(
    family: str | None,
    backend: BackendFamilies | None,
    declared: Callable[[str], Collection[str]],
    values: dict[str, Any],
    *,
    controlnet: str | None = None,
) -> FamilyPlan | None:
    """The family workflow of a character sheet from text (`values`: prompt, expressions_prompt, negative_prompt,
    seed, steps, checkpoint), or None for SD1.5's `character_sheet`. `controlnet` (the user's file) poses an SDXL
    sheet in place of the one found on the backend; the caller gives the turnaround pose image when the plan's
    workflow declares `turnaround_pose` and its ControlNet is enabled."""
    choice = _choice("character_sheet", backend, family)
    if choice is None:
        return None
    names = set(declared(choice.workflow))
    notes = list(choice.notes)
    params = {**{k: v for k, v in values.items() if v is not None}, **choice.parameters}
    if values.get("steps") is not None:
        params["steps"] = values["steps"]  # the user's steps win over a family default (schnell's 4)
    if values.get("checkpoint") and "checkpoint" in names:
        params["checkpoint"] = values["checkpoint"]
    elif values.get("checkpoint"):
        notes.append(f"checkpoint {values['checkpoint']} not used: {choice.label} loads its own files.")
    enable = set(choice.enable)
    if controlnet and "controlnet" in names:
        params["controlnet"] = controlnet
        enable |= set(SHEET_CONTROLNET)
        notes = [n for n in notes if "OpenPose ControlNet" not in n]
    elif controlnet:
        notes.append(f"ControlNet {controlnet} not used: the {choice.label} sheet is drawn from its prompt.")
    if values.get("negative_prompt") and "negative_prompt" not in names:
        notes.append(f"{choice.label} takes no negative prompt; it was left out.")
    kept = {k: v for k, v in params.items() if k in names}
    return FamilyPlan(choice.family, choice.workflow, kept, enable=enable, notes=notes)


def _choice(
    capability: str, backend: BackendFamilies | None, family: str | None, *, references: bool = False
) -> FamilyChoice | None:
    """The family choice, or None where the SD1.5 built-ins run (no family named and none recognised, or SD1.5)."""
    if backend is None:
        if family:
            raise BookError(f"model family {family!r} was asked for, but this backend cannot tell its families.")
        return None
    try:
        choice = choose_family(capability, backend, family, references=references)
    except FamilyUnavailable as exc:
        if family:
            raise BookError(str(exc)) from None
        return None  # nothing recognised: the SD1.5 built-ins decide (and preflight says what is missing)
    return None if choice.family == OLD_BUILTINS else choice
