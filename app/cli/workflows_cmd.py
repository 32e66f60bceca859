"""`workflows convert|show|lint|list`: the workflow library and UI->API conversion from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.common import add_comfyui_url_argument, comfyui_url
from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("workflows", help="convert, inspect and lint ComfyUI workflows")
    actions = parser.add_subparsers(dest="workflows_action", metavar="ACTION", required=True)

    convert = actions.add_parser("convert", help="print the API-format prompt of a UI-format workflow")
    convert.add_argument("path", help="workflow file (UI or API format) or library name")
    _add_object_info_arguments(convert)
    convert.add_argument(
        "--strict", action="store_true", help="fail when saved widget values do not match a node's inputs"
    )
    convert.add_argument(
        "--frontend-version",
        metavar="X.Y.Z",
        help="convert by this ComfyUI frontend's rules (default: the one --comfyui-url serves, else 1.58.1)",
    )
    convert.add_argument(
        "--for-running",
        action="store_true",
        help="refuse, in one sentence, a workflow whose node types the backend lacks (default: show placeholders)",
    )
    convert.set_defaults(handler=run_convert)

    show = actions.add_parser("show", help="print a workflow's parameter schema")
    show.add_argument("name", help="library name or workflow file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)

    lint = actions.add_parser("lint", help="preflight workflows offline (recorded object_info) or against a ComfyUI")
    lint.add_argument("paths", nargs="*", help="files, folders or library names (default: the whole library)")
    _add_object_info_arguments(lint)
    lint.add_argument(
        "--check-models",
        action="store_true",
        help="require model files to be present on the backend (default with --comfyui-url)",
    )
    lint.set_defaults(handler=run_lint)

    listing = actions.add_parser("list", help="list the built-in workflows")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)


def _add_object_info_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--object-info", action="append", metavar="FILE", help="recorded /object_info JSON (repeatable)"
    )
    add_comfyui_url_argument(parser)


def _object_info(args: argparse.Namespace, config: Config) -> tuple[dict[str, Any], bool]:
    """(object_info, live): from --object-info files, a live ComfyUI, or the recorded data in ../shared."""
    from app.services.workflow_tools_service import (
        align_input_lists,
        live_object_info,
        load_object_info_files,
        project_object_info,
        recorded_object_info,
    )

    if args.object_info:
        return align_input_lists({**project_object_info(), **load_object_info_files(args.object_info)}), False
    if getattr(args, "comfyui_url", None) or not recorded_object_info():
        return live_object_info(comfyui_url(args, config)), True
    return align_input_lists({**recorded_object_info(), **project_object_info()}), False


def _served_frontend_version(args: argparse.Namespace, config: Config) -> str | None:
    from app.services.workflow_tools_service import served_frontend_version

    return served_frontend_version(comfyui_url(args, config))


def run_convert(args: argparse.Namespace, config: Config) -> int:
    from app.services.workflow_tools_service import load_workflow, resolve_workflow, to_api_prompt

    workflow = load_workflow(resolve_workflow(args.path))
    if workflow.format == "ui":
        object_info, live = _object_info(args, config)
        version = args.frontend_version or (_served_frontend_version(args, config) if live else None)
        prompt = to_api_prompt(
            workflow.raw,
            object_info,
            strict=args.strict,
            frontend_version=version,
            purpose="run" if args.for_running else "display",
        )  # display: exactly the editor's output
    else:
        prompt = workflow.raw
    json.dump(prompt, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    unknown = sorted((k for k, v in prompt.items() if "class_type" not in v), key=str)
    if unknown:
        print(
            f"warning: node(s) {', '.join(unknown)} have types this object_info lacks; they are emitted without "
            "class_type, as ComfyUI's editor does (run `workflows lint` to see which pack to install)",
            file=sys.stderr,
        )
    return 0


def run_show(args: argparse.Namespace, config: Config) -> int:
    from app.services.workflow_tools_service import load_workflow, parameter_schema, resolve_workflow

    workflow = load_workflow(resolve_workflow(args.name))
    schema = parameter_schema(workflow)
    if args.json:
        json.dump([p.to_dict() for p in schema], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    binding = "declared" if any(p.declared for p in schema) else "auto-bound"
    print(f"{workflow.name} ({workflow.format} format, {binding} parameters)")
    for p in schema:
        limits = f" [{p.minimum}..{p.maximum}]" if p.minimum is not None or p.maximum is not None else ""
        choices = f" one of: {', '.join(p.choices)}" if p.choices else ""
        group = f"{p.group}/" if p.group else ""
        flag = (" (advanced)" if p.advanced else "") + (
            "" if p.active else " (inactive: the nodes it feeds are bypassed)"
        )
        targets = ", ".join(f"{node}.{name}" for node, name in p.bindings())
        print(f"  {group}{p.name}: {p.kind}{limits}{choices} = {p.default!r}  -> {targets}{flag}")
        if p.description:
            print(f"      {p.description}")
    return 0


def _lint_targets(paths: list[str]) -> list[Any]:
    from pathlib import Path

    from app.services.workflow_tools_service import list_workflows, resolve_workflow

    if not paths:
        return list_workflows()
    targets = []
    for item in paths:
        path = Path(item)
        targets.extend(list_workflows(path) if path.is_dir() else [resolve_workflow(item)])
    return targets


def run_lint(args: argparse.Namespace, config: Config) -> int:
    from app.services.workflow_tools_service import (
        NodeSpecs,
        WorkflowError,
        declared_requirements,
        lint_workflow,
        load_library_manifest,
        load_workflow,
    )

    object_info, live = _object_info(args, config)
    specs = NodeSpecs(object_info)
    manifest = load_library_manifest()
    failed = 0
    for path in _lint_targets(args.paths):
        needs = ""
        try:
            workflow = load_workflow(path)
            report = lint_workflow(workflow, specs, manifest, check_models=live or args.check_models)
            sentences = report.sentences()
            declared = declared_requirements(workflow)
            needs = (
                f" (declares it needs the node pack{'s' if len(declared) > 1 else ''} {', '.join(declared)})"
                if declared
                else ""
            )
        except WorkflowError as exc:
            sentences = [str(exc)]
        status = "ok" if not sentences else f"{len(sentences)} problem(s)"
        print(f"{path.name}: {status}{needs}")
        for sentence in sentences:
            print(f"  - {sentence}")
        failed += bool(sentences)
    if failed:
        print(f"error: {failed} workflow(s) have problems", file=sys.stderr)
        return 1
    return 0


def run_list(args: argparse.Namespace, config: Config) -> int:
    from app.services.workflow_tools_service import list_workflows, load_workflow, parameter_schema

    rows = []
    for path in list_workflows():
        workflow = load_workflow(path)
        rows.append(
            {
                "name": workflow.name,
                "path": str(path),
                "format": workflow.format,
                "parameters": [p.name for p in parameter_schema(workflow)],
            }
        )
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:
            print(f"{row['name']:<28} {', '.join(row['parameters'])}")
    return 0
