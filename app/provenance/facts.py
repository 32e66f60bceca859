"""What an output says about itself, and the C2PA manifest JSON built from it (plain values, no I/O).

Digital source types are IPTC's: generated pictures are `trainedAlgorithmicMedia`; face swaps, restyles,
inpaints and composed pages are `compositeWithTrainedAlgorithmicMedia` edits of their source images.
Only file names (never folders) and model file names go into a manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE_TRAINED = IPTC + "compositeWithTrainedAlgorithmicMedia"
ASSERTION = "org.inkframe.generation"
INGREDIENTS_ASSERTION = "org.inkframe.ingredients"
TOOL = "Inkframe Studio"

Kind = Literal["created", "edited", "composite"]
Role = Literal["parent", "face_source", "panel", "component", "reference"]
ROLE_TEXT: dict[str, str] = {
    "parent": "the picture that was edited",
    "face_source": "source of the swapped face",
    "panel": "panel placed on the page",
    "component": "placed into the result",
    "reference": "reference used to guide the result",
}
MODEL_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth", ".onnx", ".gguf", ".bin", ".sft")
SEED_INPUTS = ("seed", "noise_seed")
LOAD_NODES = ("LoadImage", "VHS_LoadVideo", "LoadVideo")
FACE_SWAP = "face swap"
FACE_SWAP_NODES = {"InkframeFaceSwap": "i_have_consent"}  # node class -> its consent switch
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Ingredient:
    """A source file of an output; hashed and named by its file name only."""

    path: Path
    role: Role = "component"
    note: str = ""


@dataclass(frozen=True)
class OutputFacts:
    kind: Kind
    operation: str  # "generate", "face swap", "restyle", "inpaint", "compose page", "export", "motion", ...
    workflow: str | None = None
    models: tuple[str, ...] = ()
    seed: int | None = None
    consent: bool | None = None
    ingredients: tuple[Ingredient, ...] = ()
    extra: Mapping[str, Scalar] = field(default_factory=dict)


def generated(operation: str = "generate", **kwargs: object) -> OutputFacts:
    return OutputFacts("created", operation, **kwargs)  # type: ignore[arg-type]


def edited(operation: str, parent: Path, *others: Ingredient, **kwargs: object) -> OutputFacts:
    return OutputFacts("edited", operation, ingredients=(Ingredient(parent, "parent"), *others), **kwargs)  # type: ignore[arg-type]


def composed(operation: str, parts: list[Path], role: Role = "panel", **kwargs: object) -> OutputFacts:
    return OutputFacts("composite", operation, ingredients=tuple(Ingredient(p, role) for p in parts), **kwargs)  # type: ignore[arg-type]


def face_swap(target: Path, sources: Sequence[Path], consent: bool) -> OutputFacts:
    """An edit of `target` whose faces now come from `sources` (each marked as the swapped face's source)."""
    return edited(FACE_SWAP, Path(target), *(Ingredient(Path(p), "face_source") for p in sources), consent=consent)


def motion(method: str, reference: Path, target: Path | None) -> OutputFacts:
    """A video generated with the motion of `reference` (and the look of `target`, when given)."""
    parts: tuple[Ingredient, ...] = (Ingredient(Path(reference), "reference", "motion reference"),)
    if target is not None:
        parts += (Ingredient(Path(target), "component", "character whose look is animated"),)
    return OutputFacts("created", f"motion ({method})", workflow=method, ingredients=parts)


def restyled(source: Path | None, operation: str = "restyle", **kwargs: object) -> OutputFacts:
    """An img2img restyle of `source` (a plain generation when there is none)."""
    return edited(operation, Path(source), **kwargs) if source is not None else generated("generate", **kwargs)


def facts_from_output(data: bytes, *, operation: str = "generate", workflow: str | None = None) -> OutputFacts:
    """Facts of a ComfyUI output from its embedded `prompt` chunk (PNG), else a plain generation."""
    from .formats import png_text

    prompt = None
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        try:
            prompt = json.loads(png_text(data).get("prompt") or "null")
        except (ValueError, json.JSONDecodeError):
            prompt = None
    return facts_from_prompt(prompt if isinstance(prompt, Mapping) else None, operation=operation, workflow=workflow)


def facts_from_prompt(
    prompt: Mapping[str, object] | None,
    *,
    operation: str = "generate",
    workflow: str | None = None,
    seed: int | None = None,
) -> OutputFacts:
    """Model file names and the first seed of a ComfyUI API prompt (node id -> {class_type, inputs});
    a prompt that loads images (img2img, inpaint) is an edit, and names those inputs. A prompt with a face-swap
    node is a face swap whose consent is its switch (None when the switch is linked from another node)."""
    models: list[str] = []
    inputs_named: list[str] = []
    consents: list[bool | None] = []
    for node in (prompt or {}).values():
        if not isinstance(node, Mapping) or not isinstance(inputs := node.get("inputs"), Mapping):
            continue
        if (switch := FACE_SWAP_NODES.get(str(node.get("class_type", "")))) is not None:
            consents.append(flag if isinstance(flag := inputs.get(switch), bool) else None)
        if str(node.get("class_type", "")).startswith(LOAD_NODES) and isinstance(inputs.get("image"), str):
            inputs_named.append(_base_name(inputs["image"]))
        for name, value in inputs.items():
            if isinstance(value, str) and value.lower().endswith(MODEL_SUFFIXES):
                base = _base_name(value)
                if base not in models:
                    models.append(base)
            elif name in SEED_INPUTS and isinstance(value, int) and not isinstance(value, bool) and seed is None:
                seed = value
    extra = {"inputs": ", ".join(inputs_named)} if inputs_named else {}
    consent = None
    if consents:
        operation = FACE_SWAP
        consent = False if False in consents else (None if None in consents else True)
    return OutputFacts(
        "edited" if inputs_named else "created",
        operation,
        workflow=_base_name(workflow) if workflow else None,
        models=tuple(models),
        seed=seed,
        consent=consent,
        extra=extra,
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(facts: OutputFacts, title: str, version: str, hashes: Mapping[int, str]) -> dict:
    """The manifest definition for c2pa's Builder; `hashes` maps ingredient index -> sha256 hex."""
    labels = [f"ingredient-{index}" for index in range(len(facts.ingredients))]
    parent = [label for label, item in zip(labels, facts.ingredients) if item.role == "parent"]
    others = [label for label, item in zip(labels, facts.ingredients) if item.role != "parent"]
    actions: list[dict] = []
    if facts.kind == "created":
        actions.append(_action("c2pa.created", facts, TRAINED, others))
    elif facts.kind == "edited":
        if parent:
            actions.append({"action": "c2pa.opened", "parameters": {"ingredientIds": parent}})
        else:
            actions.append({"action": "c2pa.created", "digitalSourceType": COMPOSITE_TRAINED})
        actions.append(_action("c2pa.edited", facts, COMPOSITE_TRAINED, others))
    else:
        actions.append(_action("c2pa.created", facts, COMPOSITE_TRAINED, []))
        actions.extend({"action": "c2pa.placed", "parameters": {"ingredientIds": [label]}} for label in labels)
    generation: dict[str, object] = {"operation": facts.operation}
    if facts.workflow:
        generation["workflow"] = _base_name(facts.workflow)
    if facts.models:
        generation["models"] = [_base_name(m) for m in facts.models]
    if facts.seed is not None:
        generation["seed"] = facts.seed
    if facts.consent is not None:
        generation["consent_confirmed"] = facts.consent
    generation.update({key: value for key, value in facts.extra.items() if isinstance(value, Scalar)})
    assertions = [{"label": "c2pa.actions.v2", "data": {"actions": actions}}, {"label": ASSERTION, "data": generation}]
    if facts.ingredients:
        assertions.append(
            {
                "label": INGREDIENTS_ASSERTION,
                "data": {
                    "ingredients": [
                        {"title": item.path.name, "role": item.role, "sha256": hashes.get(index, "")}
                        for index, item in enumerate(facts.ingredients)
                    ]
                },
            }
        )
    return {"claim_generator_info": [{"name": TOOL, "version": version}], "title": title, "assertions": assertions}


def ingredient_json(item: Ingredient, index: int, mime: str) -> dict:
    return {
        "title": item.path.name,
        "format": mime,
        "label": f"ingredient-{index}",
        "relationship": "parentOf" if item.role == "parent" else "componentOf",
        "description": item.note or ROLE_TEXT[item.role],
    }


def _action(name: str, facts: OutputFacts, source_type: str, ingredient_ids: list[str]) -> dict:
    action: dict[str, object] = {
        "action": name,
        "digitalSourceType": source_type,
        "softwareAgent": {"name": TOOL},
        "description": facts.operation,
    }
    if ingredient_ids:
        action["parameters"] = {"ingredientIds": ingredient_ids}
    return action


def _base_name(value: str) -> str:
    return value.replace("\\", "/").rsplit("/", 1)[-1]
