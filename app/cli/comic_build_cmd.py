"""`python main.py comic build SCRIPT --out DIR`: generate every panel on ComfyUI, letter the pages, export PDF/CBZ.

The build runs as a `book` job on the job queue (the Comic tab's path): its panels are spread over every
configured backend (`comfyui.url` or --comfyui-url, plus `comfyui.backends`); this command runs a worker
while it waits and prints each panel and page as it finishes. Ctrl-C cancels the book and its panels.

    comic build issue1.txt --out build/                    # a new build
    comic build issue1.txt --out build/ --resume           # continue: finished panels are reused
    comic build issue1.txt --out build/ --regenerate 1:2 [--seed N] [--prompt TEXT]
    comic sheet maya [--photo a.jpg ...]                   # a character sheet; its cells become references
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import add_comfyui_url_argument, comfyui_url
from app.config import Config


def register_action(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "build",
        help="generate a whole book from a script: panels on ComfyUI, lettered pages, PDF and CBZ",
        description="Turn SCRIPT into generated panels (characters and locations from the library, identity and "
        "quality gates), lettered pages, a PDF, a CBZ and a build report (DIR/report.md).",
    )
    parser.add_argument("script", type=Path, help="the comic script (.txt full script, .yaml or .json)")
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="build folder (state, panels, pages, report)"
    )
    add_comfyui_url_argument(parser)
    parser.add_argument("--resume", action="store_true", help="continue the build in DIR, reusing finished panels")
    parser.add_argument(
        "--regenerate", metavar="PAGE:PANEL", help="rebuild one panel of the build in DIR and recompose its page"
    )
    parser.add_argument("--seed", type=int, help="with --regenerate: the seed to use (default: a new one)")
    parser.add_argument(
        "--prompt", help="with --regenerate: new action text for the panel (style, characters and location are kept)"
    )
    parser.add_argument(
        "--library", type=Path, metavar="DIR", help="character/location library (default: app.library_dir)"
    )
    parser.add_argument(
        "--max-side", type=int, metavar="PX", help="cap the generation size's longer side (previews, tests)"
    )
    parser.add_argument("--steps", type=int, help="sampler steps (default: the workflow's)")
    parser.add_argument("--cfg", type=float, help="CFG scale (default: the workflow's)")
    parser.add_argument("--checkpoint", help="SD1.5 checkpoint file name (default: the workflow's)")
    parser.add_argument(
        "--family",
        metavar="ID",
        help="model family of the panels and backgrounds, e.g. sd15, sdxl, flux1_dev, qwen_image "
        "(default: the style's, else the first the backends have; `doctor` lists the backend's)",
    )
    parser.add_argument(
        "--grade", help="colour-grade preset or .cube file for every panel ('' for none; default: the style's)"
    )
    parser.add_argument("--format", default="png,pdf,cbz", help="export formats (default png,pdf,cbz)")
    parser.set_defaults(handler=handle)

    sheet = actions.add_parser(
        "sheet",
        help="make a character's sheet (turnaround + expressions, or photos redrawn) and keep its cells as references",
        description="Generate a character sheet for library character NAME on ComfyUI: a turnaround (front, side, "
        "back) and an expression sheet from the character's description, or each --photo redrawn in the style. "
        "Every cell is saved as a reference image in the character's folder and listed in character.yaml.",
    )
    sheet.add_argument("name", help="the character's name or id in the library")
    add_comfyui_url_argument(sheet)
    sheet.add_argument(
        "--photo", type=Path, action="append", default=[], metavar="FILE", help="a photo to redraw (repeatable)"
    )
    sheet.add_argument("--style", default="", help="style preset or text (default: ink)")
    sheet.add_argument("--seed", type=int, help="seed (default: the character's)")
    sheet.add_argument("--library", type=Path, metavar="DIR", help="character library (default: app.library_dir)")
    sheet.add_argument("--size", default="1024x512", help="sheet size WIDTHxHEIGHT (default 1024x512)")
    sheet.add_argument("--steps", type=int, help="sampler steps (default: the workflow's)")
    sheet.add_argument("--checkpoint", help="checkpoint file name, SD1.5 or SDXL (default: the family's)")
    sheet.add_argument("--controlnet", help="OpenPose ControlNet file name (default: the workflow's)")
    sheet.add_argument(
        "--family", help="model family of the sheet, e.g. sdxl, flux1_dev, qwen_image (default: the style's, else auto)"
    )
    sheet.set_defaults(handler=handle_sheet)


def handle_sheet(args: argparse.Namespace, config: Config) -> int:
    import re

    from app.errors import InkframeError
    from app.services.book_service import make_sheet

    match = re.fullmatch(r"(\d+)x(\d+)", args.size.strip())
    if not match or min(int(match.group(1)), int(match.group(2))) < 64:
        raise InkframeError(f"--size {args.size!r} is not WIDTHxHEIGHT with both at least 64, e.g. 1024x512.")
    result = make_sheet(
        args.name,
        config,
        comfyui_url(args, config),
        photos=args.photo,
        style=args.style,
        seed=args.seed,
        library_dir=args.library,
        size=(int(match.group(1)), int(match.group(2))),
        checkpoint=args.checkpoint,
        steps=args.steps,
        controlnet=args.controlnet,
        family=args.family,
    )
    for name, path in result.sheets.items():
        print(f"{name}: {path}")
    for note in result.notes:
        print(f"note: {note}")
    print(
        f"{len(result.references)} reference image(s) added to {result.character.name}: "
        + ", ".join(p.name for p in result.references)
    )
    return 0


def handle(args: argparse.Namespace, config: Config) -> int:
    """The book goes through the job queue (app.services.book_build_service): a `book` job whose panels
    are placed on every configured backend, the same path as the Comic tab's "Build the book"."""
    from app.services.book_build_service import BookBuildRequest, build_on_queue

    request = BookBuildRequest(
        script=args.script,
        out_dir=args.out,
        library_dir=args.library,
        resume=args.resume,
        regenerate=args.regenerate,
        seed=args.seed,
        prompt=args.prompt,
        max_side=args.max_side,
        steps=args.steps,
        cfg=args.cfg,
        checkpoint=args.checkpoint,
        grade=args.grade,
        family=args.family,
        formats=args.format,
    )
    outcome = build_on_queue(
        request,
        config,
        url=comfyui_url(args, config),
        on_event=lambda event: print(event.message, file=sys.stderr, flush=True),
    )
    summary = outcome.summary
    if outcome.error is not None or summary is None:
        reason = outcome.error or f"the book job {outcome.job.id} left no summary in {args.out}"
        print(f"error: {reason}", file=sys.stderr)
        return 1
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    figures = summary.figures
    print(
        f"{summary.out_dir}: {summary.panels} panels ({len(summary.generated)} generated, "
        f"{len(summary.reused)} reused), style consistency {figures.get('style_consistency')}, "
        f"report {summary.report} (book job {outcome.job.id})"
    )
    for fmt, paths in sorted(summary.outputs.items()):
        print(f"  {fmt}: {', '.join(paths)}")
    if summary.failed:
        print(
            f"error: {len(summary.failed)} panel(s) failed on ComfyUI ({', '.join(summary.failed)}); "
            f"they are placeholders in the pages; see {summary.report} and run again with --resume to retry them.",
            file=sys.stderr,
        )
        return 1
    if summary.lettering_errors:
        print(
            f"error: {len(summary.lettering_errors)} piece(s) of lettering could not be set cleanly (listed above); "
            "the pages were written anyway.",
            file=sys.stderr,
        )
        return 1
    return 0
