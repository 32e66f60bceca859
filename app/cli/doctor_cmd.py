"""`python main.py doctor`: backend reachability and version, project nodes, what each workflow lacks."""

from __future__ import annotations

import argparse

from app.cli.common import add_comfyui_url_argument
from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check the ComfyUI backend and what each workflow needs from it")
    parser.add_argument("workflows", nargs="*", help="only these workflows (names or paths; default: all in workflows/)")
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from app.services.backend_session import open_backend
    from app.services.doctor_service import run_doctor
    from app.workflows import resolve_workflow

    selected = [resolve_workflow(name) for name in args.workflows] or None
    with open_backend(config, args.comfyui_url) as url:
        report = run_doctor(url, timeouts=config.comfyui.timeouts, workflows=selected)
    backend = report.backend
    if not backend.reachable:
        print(f"backend  FAIL  {backend.describe()}")
        print("         Start ComfyUI, or set comfyui.url / comfyui.launch in config.yaml, or pass --comfyui-url URL.")
        return 1
    print(f"backend  ok    {backend.describe()}")
    if backend.project_nodes_loaded:
        print(f"nodes    ok    {len(backend.project_nodes)} Inkframe nodes loaded")
    else:
        print("nodes    FAIL  the Inkframe node pack is not loaded; add this repo's custom_nodes/ to ComfyUI's "
              "extra_model_paths.yaml (python scripts/download_models.py --extra-model-paths) and restart it")
    for check in report.workflows:
        if check.error:
            print(f"workflow FAIL  {check.name}: {check.error}")
        elif check.ok:
            print(f"workflow ok    {check.name}")
        else:
            print(f"workflow MISS  {check.name}:")
            for problem in check.report.problems:
                print(f"               - {problem.sentence}")
    ready = sum(check.ok for check in report.workflows)
    print(f"{ready} of {len(report.workflows)} workflows can run on this backend")
    return 0 if report.ok else 1
