"""Offline lint of workflow files: conversion, widget counts, preflight against recorded object_info,
and every model file a workflow names listed in the manifest."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .convert import to_api_prompt
from .errors import WorkflowError
from .manifest import ModelEntry, find_model
from .model import PreflightReport, Problem, Workflow
from .param_nodes import inkframe_object_info
from .preflight import MODEL_EXTENSIONS, preflight
from .widgets import NodeSpecs

REPO_ROOT = Path(__file__).resolve().parents[2]


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


def lint_workflow(workflow: Workflow, object_info: Mapping[str, Any] | NodeSpecs, manifest: list[ModelEntry] | None, *, check_models: bool = True) -> PreflightReport:
    specs = object_info if isinstance(object_info, NodeSpecs) else NodeSpecs(dict(object_info))
    problems: list[Problem] = []
    if workflow.format == "ui":
        try:
            prompt = to_api_prompt(workflow.raw, specs, strict=True)
        except WorkflowError as exc:
            problems.append(Problem("widget_count", "", str(exc)))
            prompt = to_api_prompt(workflow.raw, specs, strict=False)
    else:
        prompt = workflow.raw
    problems.extend(preflight(prompt, specs, manifest, check_models=check_models).problems)
    if not check_models and manifest is not None:
        problems.extend(_unlisted_models(prompt, manifest))
    return PreflightReport(tuple(problems))


def _unlisted_models(prompt: Mapping[str, Any], manifest: list[ModelEntry]) -> list[Problem]:
    problems = []
    for node_id, node in prompt.items():
        for name, value in (node.get("inputs") or {}).items():
            if isinstance(value, str) and value.lower().endswith(MODEL_EXTENSIONS) and find_model(manifest, value) is None:
                problems.append(Problem("missing_model", str(node_id), f"Node {node_id} ({node.get('class_type')}) input '{name}' names model {value}, which models/manifest.yaml does not list.", str(node.get("class_type")), name))
    return problems
