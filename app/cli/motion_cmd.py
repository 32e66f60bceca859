"""`python main.py motion --reference ref.mp4 [--target char.png] --out out.mp4 [--method ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import add_comfyui_url_argument
from app.config import Config

METHODS = ("pose-preview", "pose", "portrait")  # app.services.motion_service.MOTION_METHODS
ENGINES = ("auto", "wan", "animatediff")  # app.workflows.pose_engine.POSE_ENGINES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "motion",
        help="animate a character with the motion of a reference video (or preview its poses)",
        description="pose-preview: keypoints JSON + skeleton video, no ComfyUI. pose: on ComfyUI, Wan 2.2 Fun Control "
        "driven by the reference's skeletons when the backend has its models, else AnimateDiff + ControlNet OpenPose "
        "+ IPAdapter (--engine forces either). portrait: LivePortrait on ComfyUI.",
    )
    parser.add_argument("--reference", type=Path, required=True, help="the driving video")
    parser.add_argument("--target", type=Path, help="image of the character to animate (pose, portrait)")
    parser.add_argument("--out", type=Path, required=True, help="output video (.mp4)")
    parser.add_argument("--method", choices=METHODS, default="pose-preview")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="pose method: wan (Wan 2.2 14B Fun Control), animatediff, or auto (wan when the backend has its files)",
    )
    parser.add_argument("--trim", metavar="START:END", help="use only this part of the reference (seconds or mm:ss)")
    parser.add_argument("--stride", type=int, default=1, help="use every Nth frame of the reference")
    parser.add_argument("--no-smooth", action="store_true", help="keep raw keypoints (no temporal smoothing)")
    parser.add_argument(
        "--chunk", action="store_true", help="animate clips longer than the workflow takes in overlapping chunks"
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another parameter of the method's workflow (see `workflows show pose_animation`)",
    )
    parser.add_argument("--overwrite", action="store_true")
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from app.errors import InkframeError
    from app.services.motion_service import MotionRequest, TimeRange, check_request, run_on_comfyui, run_pose_preview

    settings = {}
    for item in args.settings:
        name, sep, value = item.partition("=")
        if not sep:
            raise InkframeError(f"--set {item!r} is not NAME=VALUE.")
        settings[name.strip()] = value
    request = MotionRequest(
        reference=args.reference,
        out=args.out,
        method=args.method,
        target=args.target,
        trim=TimeRange.parse(args.trim) if args.trim else None,
        stride=args.stride,
        smooth=not args.no_smooth,
        chunk=args.chunk,
        settings=settings,
        overwrite=args.overwrite,
        engine=args.engine,
    )
    if args.method == "pose-preview":
        report = run_pose_preview(request)
    else:
        check_request(request)  # a bad request is refused before a backend is opened or started
        from app.cli.progress import EventProgress
        from app.services.backend_session import open_backend

        with open_backend(config, args.comfyui_url) as url, EventProgress() as progress:
            report = run_on_comfyui(request, url, timeouts=config.comfyui.timeouts, on_event=progress.update)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.workflow:
        print(f"workflow: {report.workflow}")
    if report.poses:
        print(f"poses: {report.poses}")
    if report.identity:
        shown = ", ".join("no face" if s is None else f"{s:.2f}" for s in report.identity)
        print(f"identity (face similarity to the target, sampled frames): {shown}")
    print(f"{report.out}: {report.frames} frames" + (f" in {report.chunks} chunks" if report.chunks > 1 else ""))
    return 0
