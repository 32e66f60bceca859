"""`story draft` (story -> comic script with a local LLM) and `story check` (coherence report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import add_comfyui_url_argument
from app.config import Config
from app.errors import InkframeError


def _panels(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        pair = (int(low), int(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a panel range like 3-5") from None
    if not 1 <= pair[0] <= pair[1] <= 12:
        raise argparse.ArgumentTypeError(f"{value!r} must be a range within 1-12, like 3-5")
    return pair


def _add_budget(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--words-per-balloon", type=int, default=25, metavar="N", help="words one balloon may hold (default 25)"
    )
    parser.add_argument(
        "--words-per-panel", type=int, default=50, metavar="N", help="words of lettering per panel (default 50)"
    )
    parser.add_argument(
        "--balloons-per-panel", type=int, default=3, metavar="N", help="balloons and captions per panel (default 3)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("story", help="the writers' room: story -> comic script with a local LLM")
    commands = parser.add_subparsers(dest="story_command", metavar="ACTION", required=True)

    draft = commands.add_parser("draft", help="draft a comic script from prose or an outline")
    draft.add_argument("story", type=Path, metavar="STORY.txt")
    draft.add_argument("--pages", type=int, required=True, metavar="N", help="pages to write")
    draft.add_argument(
        "--out", type=Path, required=True, metavar="SCRIPT.txt", help="where to save the script (editable)"
    )
    draft.add_argument(
        "--llm-url", metavar="URL", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (overrides llm.url)"
    )
    draft.add_argument(
        "--bible",
        type=Path,
        metavar="PATH",
        help="bible to start from (JSON/YAML); default SCRIPT.bible.json when present",
    )
    draft.add_argument(
        "--panels", type=_panels, default=(3, 5), metavar="MIN-MAX", help="panels per page (default 3-5)"
    )
    draft.add_argument(
        "--max-steps", type=int, default=24, metavar="N", help="model calls the run may use (default 24)"
    )
    draft.add_argument("--title", help="book title when the bible has none (default: from the file name)")
    draft.add_argument("--page-size", default="us-comic", help="page size of the script (default us-comic)")
    draft.add_argument("--seed", type=int, help="sampling seed for repeatable drafts")
    draft.add_argument("--quiet", action="store_true", help="do not print the script")
    draft.add_argument(
        "--build",
        type=Path,
        metavar="DIR",
        help="also generate the panels and pages into DIR (the book pipeline, on ComfyUI)",
    )
    add_comfyui_url_argument(draft)
    _add_budget(draft)
    draft.set_defaults(handler=run_draft)

    check = commands.add_parser("check", help="check a script's narrative coherence")
    check.add_argument("script", type=Path, metavar="SCRIPT.txt")
    check.add_argument(
        "--bible", type=Path, metavar="PATH", help="bible to check against (default SCRIPT.bible.json when present)"
    )
    _add_budget(check)
    check.set_defaults(handler=run_check)


def run_draft(args: argparse.Namespace, config: Config) -> int:
    from app.services.story_service import draft_story

    result = draft_story(
        config,
        story_path=args.story,
        pages=args.pages,
        out_path=args.out,
        llm_url=args.llm_url,
        progress=lambda message: print(message, file=sys.stderr),
        bible_path=args.bible,
        min_panels=args.panels[0],
        max_panels=args.panels[1],
        max_steps=args.max_steps,
        title=args.title,
        page_size=args.page_size,
        seed=args.seed,
        words_per_balloon=args.words_per_balloon,
        words_per_panel=args.words_per_panel,
        balloons_per_panel=args.balloons_per_panel,
        build_dir=args.build,
        comfyui_url=args.comfyui_url,
    )
    print(result.draft_report, file=sys.stderr)
    if result.failure:
        raise InkframeError(result.failure)
    if not args.quiet:
        print(args.out.read_text(encoding="utf-8"))
    print(result.check_report, file=sys.stderr)
    print(
        f"saved {args.out} and {result.bible_path}; edit them, then `python main.py story check {args.out}`.",
        file=sys.stderr,
    )
    if result.generate_error:
        raise InkframeError(f"the script was saved, but its panels could not be generated: {result.generate_error}")
    if args.build:
        print(f"panels and pages are in {args.build}.", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace, config: Config) -> int:
    from app.services.story_service import DialogueBudget, check_script_file

    budget = DialogueBudget(args.words_per_balloon, args.words_per_panel, args.balloons_per_panel)
    report = check_script_file(args.script, bible_path=args.bible, budget=budget)
    print(report.as_text())
    return 0 if report.ok else 1
