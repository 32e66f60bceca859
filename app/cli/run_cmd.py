"""`python main.py run WORKFLOW.json --set NODE_ID.INPUT=VALUE|name=VALUE ... --out DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_comfyui_url_argument
from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run a workflow on ComfyUI and save every output plus a sidecar JSON")
    parser.add_argument("workflow", type=Path, help="workflow file (API format, or UI format as saved by ComfyUI)")
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="NODE_ID.INPUT=VALUE or PARAMETER=VALUE (see `workflows show`); repeatable",
    )
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: app.output_dir)")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds the prompt may run (default: comfyui.timeouts.prompt)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from app.cli.progress import EventProgress
    from app.services.backend_session import open_backend
    from app.services.run_service import run_workflow

    out_dir = args.out or config.resolve(config.app.output_dir)
    with open_backend(config, args.comfyui_url) as url, EventProgress(enabled=not args.quiet) as progress:
        report = run_workflow(
            args.workflow,
            args.assignments,
            out_dir,
            url,
            timeouts=config.comfyui.timeouts,
            on_event=progress.update,
            timeout=args.timeout,
        )
    for output in report.outputs:
        print(output.path)
    print(f"saved {len(report.outputs)} output(s) and {report.sidecar} (prompt {report.prompt_id} on {report.backend})")
    for note in report.notes:
        print(f"note: {note}")
    return 0
