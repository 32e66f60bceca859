"""`python main.py clip PANEL.png --out clip.mp4 [--prompt TEXT] [--seconds S]`: a panel becomes a video clip."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import add_comfyui_url_argument
from app.config import Config

MODELS = ("auto", "wan22_i2v_14b", "wan22_ti2v_5b", "svd")  # app.workflows.video_choice.CLIP_MODELS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "clip",
        help="turn a comic panel into a short video clip on ComfyUI",
        description="Image to video on ComfyUI: Wan 2.2 14B image-to-video where the backend has its models, else "
        "Wan 2.2 TI2V-5B, else Stable Video Diffusion. The clip keeps the panel's aspect ratio.",
    )
    parser.add_argument("panel", type=Path, help="the panel image (PNG/JPEG, at most 64 MiB and 8192 px a side)")
    parser.add_argument(
        "--out", type=Path, required=True, help="the clip (.mp4); its run record goes beside it (.json)"
    )
    parser.add_argument("--prompt", default="", help="what moves (Wan only; at most 2000 characters)")
    parser.add_argument(
        "--seconds", type=float, help="clip length, up to 10 (default: the workflow's own, 5 s for Wan 14B)"
    )
    parser.add_argument("--model", choices=MODELS, default="auto", help="which model family makes it (default auto)")
    parser.add_argument("--seed", type=int, help="sampling seed (default: the workflow's)")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another parameter of the chosen workflow (see `workflows show wan22_i2v_14b`)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from app.cli.progress import EventProgress
    from app.errors import InkframeError
    from app.services.backend_session import open_backend
    from app.services.panel_clip_service import ClipRequest, check_clip_request, make_clip

    for item in args.settings:
        if "=" not in item:
            raise InkframeError(f"--set {item!r} is not NAME=VALUE.")
    request = ClipRequest(
        panel=args.panel,
        out=args.out,
        prompt=args.prompt,
        seconds=args.seconds,
        model=args.model,
        seed=args.seed,
        settings=tuple(args.settings),
        overwrite=args.overwrite,
    )
    check_clip_request(request)  # a bad request is refused before a backend is opened or started
    with open_backend(config, args.comfyui_url) as url, EventProgress() as progress:
        report = make_clip(request, url, timeouts=config.comfyui.timeouts, on_event=progress.update)
    print(report.choice.sentence())
    for note in report.notes:
        print(f"note: {note}")
    seconds = report.frames / report.fps if report.fps else 0
    print(
        f"{report.out}: {report.frames} frames at {float(report.fps):g} fps ({float(seconds):.1f} s), "
        f"{report.width} x {report.height}"
    )
    return 0
