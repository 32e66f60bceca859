"""Command-line interface: builds the argument parser from the command modules and runs one command.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`handler=function(args, config) -> int` with `parser.set_defaults`. Modules import heavy packages
(gradio, torch, ...) inside their handlers only, so `python main.py --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from app.config import ConfigError, load_config
from app.errors import InkframeError
from app.services import provenance_service
from app.image_limits import apply_pixel_limit

# The order is the order of `--help`. A module that does not exist yet is skipped.
COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.ui_cmd",
    "app.cli.doctor_cmd",
    "app.cli.run_cmd",
    "app.cli.workflows_cmd",
    "app.cli.comic_cmd",
    "app.cli.faceswap_cmd",
    "app.cli.motion_cmd",
    "app.cli.queue_cmd",
    "app.cli.story_cmd",
    "app.cli.provenance_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Inkframe Studio: comics and short animations on your own GPU, with ComfyUI as the engine.",
    )
    parser.add_argument("--config", help="path of the config file (default: config.yaml or $INKFRAME_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command is None and importlib.util.find_spec("app.cli.ui_cmd") is not None:
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "ui"])
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        config = load_config(args.config)
        provenance_service.use_config(config)  # outputs signed per this config (docs/provenance.md)
        apply_pixel_limit(config.security.max_image_pixels)
        return int(handler(args, config) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except InkframeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

