"""Checks an API prompt against a backend's `/object_info` before anything is queued."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .manifest import ModelEntry, find_model
from .model import PreflightReport, Problem
from .widgets import NodeSpecs

MODEL_EXTENSIONS = (".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".onnx", ".gguf", ".sft", ".pkl")
PACKS_FILE = Path(__file__).with_name("node_packs.json")


@lru_cache(maxsize=1)
def node_packs() -> dict[str, Any]:
    """{"packs": {pack: {registry_id, repo}}, "nodes": {node_type: pack}} for the packs the library uses."""
    return json.loads(PACKS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_manifest() -> list[ModelEntry]:
    """models/manifest.yaml, or [] when it is absent or unreadable (hints then fall back to a generic one)."""
    from .errors import WorkflowError
    from .manifest import load_manifest

    try:
        return load_manifest()
    except WorkflowError:
        return []


def install_hint(node_type: str) -> tuple[str, str]:
    """(pack name, install command) for a node type, or ("", "") when the pack is unknown."""
    data = node_packs()
    pack = data["nodes"].get(node_type)
    if pack is None:
        return "", ""
    return pack, f"comfy node install {data['packs'][pack]['registry_id']}"


def preflight(
    api_prompt: Mapping[str, Any],
    object_info: Mapping[str, Any] | NodeSpecs,
    manifest: list[ModelEntry] | None = None,
    *,
    check_models: bool = True,
    node_types: Mapping[str, str] | None = None,
) -> PreflightReport:
    """Problems that would stop the backend: unknown node types anywhere in the prompt (ComfyUI rejects
    those), and bad values or links in the nodes an output depends on (the only ones it validates)."""
    specs = object_info if isinstance(object_info, NodeSpecs) else NodeSpecs(dict(object_info))
    if manifest is None and check_models:
        manifest = default_manifest()
    problems: list[Problem] = []
    for node_id, node in api_prompt.items():
        node_type = node.get("class_type")
        if specs.get(str(node_type)) is None:
            known = (node_types or {}).get(str(node_id)) or (node.get("_meta") or {}).get("missing_node_type")
            problems.append(_missing_node(str(node_id), str(node_type or known or "?")))
    live = reachable_nodes(api_prompt, specs)
    for node_id, node in api_prompt.items():
        node_type = node.get("class_type")
        spec = specs.get(str(node_type)) if node_type else None
        if spec is None or str(node_id) not in live:
            continue
        inputs = node.get("inputs") or {}
        for name, value in inputs.items():
            input_spec = spec.by_name.get(name)
            if input_spec is None:
                continue
            if isinstance(value, list):
                if len(value) == 2 and str(value[0]) not in api_prompt:
                    sentence = (
                        f"Node {node_id} ({node_type}) input '{name}' is linked to node {value[0]}, "
                        "which the prompt does not contain."
                    )
                    problems.append(Problem("missing_input", str(node_id), sentence, str(node_type), name))
                continue
            problem = check_value(str(node_id), str(node_type), input_spec, value, manifest, check_models)
            if problem is not None:
                problems.append(problem)
        for input_spec in spec.inputs:
            if input_spec.required and input_spec.name not in inputs and not input_spec.is_widget:
                sentence = (
                    f"Node {node_id} ({node_type}) needs its '{input_spec.name}' input ({input_spec.type}) connected."
                )
                problems.append(Problem("missing_input", str(node_id), sentence, str(node_type), input_spec.name))
    return PreflightReport(tuple(problems))


def reachable_nodes(api_prompt: Mapping[str, Any], specs: NodeSpecs) -> set[str]:
    """Ids of output nodes and every node they depend on (what ComfyUI validates and runs)."""
    stack = [
        str(i)
        for i, n in api_prompt.items()
        if (spec := specs.get(str(n.get("class_type")))) is not None and spec.output_node
    ]
    seen: set[str] = set()
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id not in api_prompt:
            continue
        seen.add(node_id)
        for value in (api_prompt[node_id].get("inputs") or {}).values():
            if isinstance(value, list) and len(value) == 2:
                stack.append(str(value[0]))
    return seen


def _missing_node(node_id: str, node_type: str) -> Problem:
    pack, command = install_hint(node_type)
    if node_type.startswith(("workflow>", "workflow/")):
        sentence = (
            f"Node {node_id} is a legacy group node ({node_type}), which this converter does not expand; "
            "open the workflow in ComfyUI, convert the group node to a subgraph and save it again."
        )
        return Problem("missing_node", node_id, sentence, node_type)
    if node_type.startswith("Inkframe"):
        sentence = (
            f"Node {node_id} needs node type {node_type} from Inkframe Studio's own node pack, "
            "which this ComfyUI lacks; "
            "load it with `python scripts/download_models.py --extra-model-paths COMFYUI_DIR` and restart ComfyUI."
        )
        return Problem("missing_node", node_id, sentence, node_type)
    if pack:
        sentence = (
            f"Node {node_id} needs node type {node_type} from the {pack} node pack, which this ComfyUI lacks; "
            f"install it with `{command}`."
        )
    else:
        sentence = (
            f"Node {node_id} needs node type {node_type}, which this ComfyUI lacks; "
            "install the node pack that provides it."
        )
    return Problem("missing_node", node_id, sentence, node_type, install=command)


def in_input_subfolder(value: Any) -> bool:
    """True for a file named by its place under a subfolder of ComfyUI's input folder (`inkframe/cat.png`,
    `inkframe/cat.png [input]`): how the studio's uploads are named. An upload combo lists only the folder's top
    level, but ComfyUI's own validation accepts such a path when the file exists, so it is not ours to refuse."""
    if not isinstance(value, str):
        return False
    path = value.removesuffix(" [input]").replace("\\", "/")
    parts = path.split("/")
    return len(parts) > 1 and not path.startswith("/") and all(part not in ("", ".", "..") for part in parts)


def check_value(
    node_id: str, node_type: str, spec: Any, value: Any, manifest: list[ModelEntry] | None, check_models: bool
) -> Problem | None:
    where = f"Node {node_id} ({node_type}) input '{spec.name}'"
    if isinstance(value, dict) and "__value__" in value:
        return None
    kind = spec.type
    if kind == "COMBO":
        choices = spec.choices or ()
        if value in choices:
            return None
        if isinstance(value, str) and value.lower().endswith(MODEL_EXTENSIONS):
            if not check_models:
                return None
            entry = find_model(manifest or [], value)
            hint = (
                f"download it with `python scripts/download_models.py --only {entry.name}` ({entry.url})"
                if entry
                else "put the file in ComfyUI's models folder"
            )
            return Problem(
                "missing_model",
                node_id,
                f"{where} needs model {value}, which this ComfyUI does not have; {hint}.",
                node_type,
                spec.name,
                download=entry.name if entry else "",
            )
        if spec.options.get("image_upload") or spec.options.get("video_upload"):
            if in_input_subfolder(value):
                return None  # ComfyUI lists only its input folder's top level and checks these files itself
            return Problem(
                "not_in_list",
                node_id,
                f"{where} names file {value!r}, which is not in ComfyUI's input folder; upload it first.",
                node_type,
                spec.name,
            )
        shown = ", ".join(map(str, choices[:8])) + (", ..." if len(choices) > 8 else "")
        return Problem(
            "not_in_list",
            node_id,
            f"{where} is {value!r}, which is not one of: {shown or 'no choices'}.",
            node_type,
            spec.name,
        )
    if kind in ("INT", "FLOAT"):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (kind == "INT" and isinstance(value, float) and not value.is_integer())
        ):
            return Problem(
                "wrong_type",
                node_id,
                f"{where} needs {'an integer' if kind == 'INT' else 'a number'}, not {value!r}.",
                node_type,
                spec.name,
            )
        low, high = spec.options.get("min"), spec.options.get("max")
        if low is not None and value < low:
            return Problem(
                "out_of_range", node_id, f"{where} is {value}, below its minimum {low}.", node_type, spec.name
            )
        if high is not None and value > high:
            return Problem(
                "out_of_range", node_id, f"{where} is {value}, above its maximum {high}.", node_type, spec.name
            )
        return None
    if kind == "BOOLEAN" and not isinstance(value, bool):
        return Problem("wrong_type", node_id, f"{where} needs true or false, not {value!r}.", node_type, spec.name)
    if kind == "STRING" and not isinstance(value, str):
        return Problem("wrong_type", node_id, f"{where} needs text, not {value!r}.", node_type, spec.name)
    return None


MAX_SENTENCES = 8


def summarise_problems(problems: tuple[Problem, ...] | list[Problem]) -> list[str]:
    """Sentences for the user, one per cause: every node a missing pack provides, or that needs one missing
    model, in one sentence; after MAX_SENTENCES the rest is counted ("and 9 more problems")."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        if problem.kind == "missing_node" and (problem.install or problem.node_type.startswith("Inkframe")):
            key = ("node", problem.install or "inkframe")
        elif problem.kind == "missing_model":
            key = ("model", problem.download or problem.sentence.split(" needs model ", 1)[-1].split(",", 1)[0])
        else:
            key = ("one", f"{len(groups)}")
        groups.setdefault(key, []).append(problem)
    sentences = [_group_sentence(key[0], members) for key, members in groups.items()]
    if len(sentences) > MAX_SENTENCES:
        sentences = sentences[:MAX_SENTENCES] + [f"And {len(sentences) - MAX_SENTENCES} more problems."]
    return sentences


def _group_sentence(kind: str, members: list[Problem]) -> str:
    first = members[0]
    if len(members) == 1 or kind == "one":
        return first.sentence
    ids = _listing([m.node_id for m in members])
    if kind == "node":
        types = list(dict.fromkeys(m.node_type for m in members))
        noun = f"node type {types[0]}" if len(types) == 1 else f"node types {_listing(types)}"
        return first.sentence.replace(
            f"Node {first.node_id} needs node type {first.node_type}", f"Nodes {ids} need {noun}", 1
        )
    return f"Nodes {ids} need model " + first.sentence.split(" needs model ", 1)[1]


def _listing(items: list[str], shown: int = 4) -> str:
    if len(items) <= shown + 1:
        return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]
    return f"{', '.join(items[:shown])} and {len(items) - shown} more"
