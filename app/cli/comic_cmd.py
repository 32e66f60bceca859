"""`comic compose|check|format`: comic pages from a script and existing panel art, no ComfyUI needed.

Other comic sub-commands (`comic build`, `comic animate`) live in their own modules, listed in
ACTION_MODULES; each exposes `register_action(actions)` that adds its parser to the `comic` group.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from app.config import Config
from app.errors import InkframeError

ACTION_MODULES: tuple[str, ...] = ("app.cli.comic_build_cmd", "app.cli.comic_animate_cmd")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("comic", help="compose, check and format comic scripts and pages")
    actions = parser.add_subparsers(dest="comic_action", metavar="ACTION", required=True)

    compose = actions.add_parser(
        "compose",
        help="compose lettered pages from a script and panel images",
        description="Compose pages from SCRIPT (full script .txt, or .yaml/.json) and the panel images in "
        "--panels, named like p01_panel02.png. Missing art gets a marked placeholder.",
    )
    compose.add_argument("script", help="the comic script (.txt full script, .yaml or .json)")
    compose.add_argument(
        "--panels", metavar="DIR", help="folder of panel images named pNN_panelNN.png (default: none, all placeholders)"
    )
    compose.add_argument("--out", metavar="DIR", required=True, help="output folder")
    compose.add_argument("--format", default="png", help="comma-separated: png,pdf,cbz,webtoon,contact (default: png)")
    compose.add_argument("--dpi", type=int, help="override the script's DPI")
    compose.add_argument("--page-size", help="override the script's page size (e.g. a4, us-comic, b5-manga, webtoon)")
    compose.add_argument("--no-lettering", action="store_true", help="compose the art and borders only")
    compose.add_argument(
        "--webtoon-max-height", type=int, default=1280, metavar="PX", help="slice height of the webtoon strip"
    )
    compose.set_defaults(handler=run_compose)

    check = actions.add_parser("check", help="parse a script and list its problems and warnings")
    check.add_argument("script")
    check.set_defaults(handler=run_check)

    fmt = actions.add_parser("format", help="print a script (or YAML/JSON book) as a formatted full script")
    fmt.add_argument("script")
    fmt.set_defaults(handler=run_format)

    for name in ACTION_MODULES:
        importlib.import_module(name).register_action(actions)


def _load(args: argparse.Namespace, lines: dict | None = None):  # -> Book
    from app.services.script_check_service import load_script_file

    return load_script_file(
        args.script, lines=lines, dpi=getattr(args, "dpi", None), page_size=getattr(args, "page_size", None)
    )


def run_compose(args: argparse.Namespace, config: Config) -> int:
    from app.services import compose_service

    formats = compose_service.export_formats(args.format)
    lines: dict = {}
    book = _load(args, lines)
    if not book.pages:
        raise InkframeError(f"Script {args.script!r} has no pages; add `PAGE 1` and a `PANEL 1`.")
    result = compose_service.compose_script(
        book,
        lines,
        panels=args.panels,
        script_dir=Path(args.script).resolve().parent,
        out_dir=args.out,
        formats=formats,
        letter=not args.no_lettering,
        webtoon_max_height=args.webtoon_max_height,
        config=config,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for issue in result.issues:
        print(f"{issue.severity}: {issue.describe()}", file=sys.stderr)
    for fmt, paths in result.files.items():
        shown = str(paths[0].parent) + f" ({len(paths)} files)" if len(paths) > 1 else str(paths[0])
        print(f"{fmt}: {shown}")
    errors = result.errors
    if errors:
        print(
            f"error: {len(errors)} piece(s) of lettering could not be set cleanly (listed above); "
            "the pages were written anyway.",
            file=sys.stderr,
        )
        return 1
    return 0


def run_check(args: argparse.Namespace, config: Config) -> int:
    """Parse, lay out every page and plan its lettering: what `compose` rejects, `check` rejects."""
    from app.services.script_check_service import check_script_book

    lines: dict = {}
    book = _load(args, lines)
    report = check_script_book(book, lines)
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if report.errors:
        print(
            f"error: {args.script}: {len(report.errors)} problem(s) that `comic compose` would reject (listed above).",
            file=sys.stderr,
        )
        return 1
    print(
        f"ok: {book.title!r}, {len(book.pages)} page(s), {book.panel_count()} panel(s), "
        f"{len(report.warnings)} warning(s)"
    )
    return 0


def run_format(args: argparse.Namespace, config: Config) -> int:
    from app.services.script_check_service import formatted_script

    sys.stdout.write(formatted_script(_load(args)))
    return 0
