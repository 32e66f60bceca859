"""`python main.py doctor`: backend reachability and version, project nodes, and the capability table:
what this backend can run, and what the rest lacks (one line per missing pack or model)."""

from __future__ import annotations

import argparse

from app.cli.common import add_comfyui_url_argument
from app.config import Config

SHOWN_LABELS = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the ComfyUI backend and what it can run (capabilities, or the workflows named)"
    )
    parser.add_argument(
        "workflows", nargs="*", help="only these workflows (names or paths; default: the studio's capabilities)"
    )
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from app.services.backend_session import open_backend
    from app.services.doctor_service import run_doctor
    from app.services.workflow_tools_service import resolve_workflow

    selected = [resolve_workflow(name) for name in args.workflows] or None
    with open_backend(config, args.comfyui_url) as url:
        report = run_doctor(url, timeouts=config.comfyui.timeouts, workflows=selected)
    backend = report.backend
    if not backend.reachable:
        print(f"backend  FAIL  {backend.describe()}")
        print("         Start ComfyUI, or set comfyui.url / comfyui.launch in config.yaml, or pass --comfyui-url URL.")
        return 1
    print(f"backend  ok    {backend.describe()}")
    print_lines(report, selected is not None)
    return 0 if report.ok else 1


def print_lines(report, by_workflow: bool) -> None:
    from app.services.workflow_tools_service import PROJECT_PACK, summarise

    caps = report.capabilities
    needing = [label for pack, label_list in caps.missing_packs() if pack.name == PROJECT_PACK for label in label_list]
    if report.backend.project_nodes_loaded:
        print(f"nodes    ok    {len(report.backend.project_nodes)} Inkframe nodes loaded")
    else:
        needed = f"needed only by {summarise(needing)}" if needing else "nothing checked here needs it"
        print(f"nodes    --    {PROJECT_PACK} not loaded ({needed})")
    for error in report.errors:
        print(f"workflow FAIL  {error}")
    kind = "workflow" if by_workflow else "capability"
    width = max([len(row[0]) for row in caps.table()] + [len(kind)]) + 2  # capability and model-family rows
    print(f"{kind:<{width + 2}}status")
    for label, status in caps.table():
        print(f"  {label:<{width}}{status}")
    packs, models = caps.missing_packs(), caps.missing_models()
    if packs or models:
        print("to run the rest:")
    for item, labels in [*packs, *models]:
        print(f"  - {item.sentence()} ({'for ' + summarise(labels, SHOWN_LABELS)})")
    others = sorted({line for s in caps.statuses for line in s.other})
    for line in others[:5]:
        print(f"  - {line}")
    if len(others) > 5:
        print(f"  - and {len(others) - 5} more problems (`python main.py doctor WORKFLOW` for one workflow)")
    plural = "capabilities" if kind == "capability" else "workflows"
    print(f"{len(caps.ready)} of {len(caps.statuses)} {plural} can run on this backend")
