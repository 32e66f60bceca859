"""`python main.py comic animate SCRIPT --panels DIR --out page.mp4`: a motion comic (no ComfyUI needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import Config


def register_action(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "animate",
        help="render a motion comic: pan and zoom across the panels with balloons appearing in turn",
        description="Render SCRIPT's pages (or --page N) as a video that moves across the panels in reading order.",
    )
    parser.add_argument("script", type=Path, help="the comic script (.txt full script, .yaml or .json)")
    parser.add_argument("--panels", type=Path, metavar="DIR", help="folder of panel images named pNN_panelNN.png")
    parser.add_argument("--out", type=Path, required=True, help="output video (.mp4, .webm, .gif, ...)")
    parser.add_argument(
        "--page", type=int, action="append", dest="pages", metavar="N", help="only this page (repeatable)"
    )
    parser.add_argument("--size", default="1920x1080", help="output size WIDTHxHEIGHT (default 1920x1080)")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--codec", default="h264", help="h264, h265, webm or gif")
    parser.add_argument("--words-per-second", type=float, default=3.5, help="reading speed that times the balloons")
    parser.add_argument(
        "--clip",
        action="append",
        default=[],
        metavar="PAGE:PANEL=FILE",
        help="a video to play inside that panel (e.g. from the image_to_video workflow); repeatable",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from tqdm import tqdm

    from app.services.motion_comic_service import (
        AnimateRequest,
        MotionComicOptions,
        animate_script,
        parse_clip,
        parse_size,
    )

    width, height = parse_size(args.size)
    options = MotionComicOptions(
        width=width, height=height, fps=args.fps, codec=args.codec, words_per_second=args.words_per_second
    )
    request = AnimateRequest(
        script=args.script,
        out=args.out,
        panels=args.panels,
        pages=args.pages,
        clips=dict(parse_clip(spec) for spec in args.clip),
        options=options,
        overwrite=args.overwrite,
    )
    bars: list[tqdm] = []  # created on the first frame, so an early error prints cleanly

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="frame", file=sys.stderr, leave=False))
        bars[0].update(done - bars[0].n)

    try:
        result = animate_script(request, on_frame=progress)
    finally:
        for bar in bars:
            bar.close()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{result.path}: {result.duration_s:.1f} s, {result.frames} frames, {len(result.panels)} panels")
    return 0
