"""Offline lint of workflow files: conversion, widget counts, preflight against recorded object_info,
and every model file a workflow names listed in the manifest."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .convert import to_api_prompt, ui_node_types
from .errors import WorkflowError
from .manifest import ModelEntry, find_model
from .model import PreflightReport, Problem, Workflow
from .param_nodes import inkframe_object_info, param_info, resolve_parameter_nodes
from .preflight import MODEL_EXTENSIONS, preflight, reachable_nodes
from .widgets import NodeSpecs

REPO_ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


def shared_comfyui_dir() -> Path:
    return Path(os.environ.get("INKFRAME_SHARED", REPO_ROOT.parent / "shared")) / "comfyui"


def recorded_object_info(directory: Path | None = None) -> dict[str, Any]:
    """Core object_info + every recorded node pack + the project's own nodes (empty dict if absent)."""
    base = directory or shared_comfyui_dir()
    info: dict[str, Any] = {}
    core = base / "object_info.core.json"
    if core.is_file():
        info.update(json.loads(core.read_text(encoding="utf-8")))
    packs = base / "object_info"
    for file in sorted(packs.glob("*.json")) if packs.is_dir() else []:
        if file.name in ("packs.json", "combined_object_info.json") or ".newest-partial" in file.name:
            continue
        data = json.loads(file.read_text(encoding="utf-8"))
        info.update(data.get("object_info", data) if isinstance(data, dict) else {})
    if info:
        info.update(inkframe_object_info())
    return info


def align_input_lists(info: dict[str, Any]) -> dict[str, Any]:
    """Give the Inkframe image/mask parameter nodes the backend's input-folder listing (LoadImage's list),
    which is what ComfyUI serves for them; offline their own class cannot list a folder."""
    listing = (((info.get("LoadImage") or {}).get("input") or {}).get("required") or {}).get("image")
    if not listing or not isinstance(listing[0], list):
        return info
    for node_type in ("InkframeImage", "InkframeMask"):
        entry = info.get(node_type)
        image = ((entry or {}).get("input") or {}).get("required", {}).get("image")
        if image is not None and isinstance(image[0], list) and not image[0]:
            entry["input"]["required"]["image"] = [list(listing[0]), image[1] if len(image) > 1 else {}]
    return info


def load_object_info_files(paths: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise WorkflowError(f"Cannot read object_info file {path}: {exc}.") from None
        info.update(data.get("object_info", data))
    info.update({k: v for k, v in inkframe_object_info().items() if k not in info})
    return info


def declared_requirements(workflow: Workflow) -> list[str]:
    """Node packs a workflow says it needs for its working nodes (`extra.inkframe.requires`, set by the builder)."""
    about = ((workflow.raw.get("extra") or {}).get("inkframe") or {}) if workflow.format == "ui" else {}
    return [str(r) for r in about.get("requires") or []]


def lint_workflow(
    workflow: Workflow,
    object_info: Mapping[str, Any] | NodeSpecs,
    manifest: list[ModelEntry] | None,
    *,
    check_models: bool = True,
) -> PreflightReport:
    """The problems of a workflow as the app sends it (Inkframe parameter nodes resolved app-side)."""
    specs = object_info if isinstance(object_info, NodeSpecs) else NodeSpecs(dict(object_info))
    if any(
        t not in specs for t in param_info()
    ):  # a backend without the pack: the app still converts its parameter nodes
        specs = NodeSpecs({**param_info(), **specs.object_info})
    problems: list[Problem] = []
    if workflow.format == "ui":
        try:
            prompt = to_api_prompt(workflow.raw, specs, strict=True)
        except WorkflowError as exc:
            problems.append(Problem("widget_count", "", str(exc)))
            prompt = to_api_prompt(workflow.raw, specs, strict=False)
    else:
        prompt = workflow.raw
    prompt = resolve_parameter_nodes(prompt)
    types = ui_node_types(workflow.raw) if workflow.format == "ui" else None
    found = preflight(prompt, specs, manifest, check_models=check_models, node_types=types).problems
    problems.extend(p for p in found if check_models or not _unknown_upload(p, specs))
    if not check_models and manifest is not None:
        problems.extend(_unlisted_models(prompt, specs, manifest))
    return PreflightReport(tuple(problems))


def _unknown_upload(problem: Problem, specs: NodeSpecs) -> bool:
    """An input file checked against an empty recorded listing (offline): nothing to compare it with."""
    spec = specs.get(problem.node_type)
    input_spec = spec.by_name.get(problem.input) if spec and problem.kind == "not_in_list" else None
    return (
        input_spec is not None
        and not input_spec.choices
        and any(input_spec.options.get(o) for o in ("image_upload", "video_upload"))
    )


def _unlisted_models(prompt: Mapping[str, Any], specs: NodeSpecs, manifest: list[ModelEntry]) -> list[Problem]:
    """Model files chosen from a folder listing (an empty list in recorded object_info) must be in the manifest."""
    problems = []
    live = reachable_nodes(prompt, specs)
    for node_id, node in prompt.items():
        spec = specs.get(str(node.get("class_type")))
        if str(node_id) not in live:
            continue
        for name, value in (node.get("inputs") or {}).items():
            input_spec = spec.by_name.get(name) if spec else None
            from_folder = input_spec is not None and input_spec.type == "COMBO" and not input_spec.choices
            if (
                from_folder
                and isinstance(value, str)
                and value.lower().endswith(MODEL_EXTENSIONS)
                and find_model(manifest, value) is None
            ):
                problems.append(
                    Problem(
                        "missing_model",
                        str(node_id),
                        (
                            f"Node {node_id} ({node.get('class_type')}) input '{name}' names model {value}, "
                            "which models/manifest.yaml does not list."
                        ),
                        str(node.get("class_type")),
                        name,
                    )
                )
    return problems


def object_info_from_class(node_type: str, cls: Any) -> dict[str, Any]:
    """The `/object_info` entry ComfyUI would serve for a V1 node class (file lists as the class gives them)."""
    declared = cls.INPUT_TYPES()
    inputs: dict[str, Any] = {}
    for section in ("required", "optional", "hidden"):
        if section in declared:
            inputs[section] = {k: _jsonable(v) for k, v in declared[section].items()}
    returns = [str(t) if not isinstance(t, list) else t for t in getattr(cls, "RETURN_TYPES", ())]
    return {
        "input": inputs,
        "input_order": {s: list(declared[s]) for s in ("required", "optional") if s in declared},
        "output": returns,
        "output_is_list": list(getattr(cls, "OUTPUT_IS_LIST", [False] * len(returns))),
        "output_name": list(getattr(cls, "RETURN_NAMES", returns)),
        "name": node_type,
        "display_name": node_type,
        "description": getattr(cls, "DESCRIPTION", ""),
        "python_module": "custom_nodes.inkframe_nodes",
        "category": getattr(cls, "CATEGORY", ""),
        "output_node": bool(getattr(cls, "OUTPUT_NODE", False)),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


def project_object_info(pack_dir: Path | None = None) -> dict[str, Any]:
    """object_info of this repository's node pack, read from its classes (loads the pack without sys.path edits)."""
    import importlib.util
    import sys

    folder = pack_dir or REPO_ROOT / "custom_nodes" / "inkframe_nodes"
    name = "inkframe_nodes"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            return {}
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # a broken module elsewhere in the pack must not stop a lint
            del sys.modules[name]
            logger.warning(
                "Inkframe node pack did not load (%s: %s); linting with the parameter nodes only",
                type(exc).__name__,
                exc,
            )
            return inkframe_object_info()
    return {t: object_info_from_class(t, cls) for t, cls in module.NODE_CLASS_MAPPINGS.items()}
