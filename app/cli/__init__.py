"""Command-line interface: builds the argument parser from the command modules and runs one command.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`handler=function(args, config) -> int` with `parser.set_defaults`. Modules import heavy packages
(gradio, torch, ...) inside their handlers only, so `python main.py --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from app.config import ConfigError, load_config
from app.errors import InkframeError
from app.services import provenance_service
from app.services.startup_service import apply_pixel_limit

# The order is the order of `--help`. A module that does not exist yet is skipped.
COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.ui_cmd",
    "app.cli.doctor_cmd",
    "app.cli.run_cmd",
    "app.cli.workflows_cmd",
    "app.cli.comic_cmd",
    "app.cli.faceswap_cmd",
    "app.cli.motion_cmd",
    "app.cli.clip_cmd",
    "app.cli.queue_cmd",
    "app.cli.story_cmd",
    "app.cli.provenance_cmd",
    "app.cli.comfyui_cmd",
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
        importlib.import_module(name).register(subparsers)
    return parser


# Options of the top-level parser that take a value (they come before the command).
GLOBAL_VALUE_OPTIONS = ("--config",)
DEFAULT_COMMAND = "ui"


def with_default_command(argv: Sequence[str]) -> list[str]:
    """`argv` with the default command `ui` put after the global options when no command is named, so
    `main.py --comfyui-url URL` means `main.py ui --comfyui-url URL`. `-h` alone keeps the main help."""
    argv = list(argv)
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in ("-h", "--help"):
            return argv
        if token in GLOBAL_VALUE_OPTIONS:
            index += 2
        elif token.startswith("-") and (token in ("-v", "--verbose") or token.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS):
            index += 1
        else:
            break
    if index < len(argv) and not argv[index].startswith("-"):
        return argv  # a command (or a misspelt one, which argparse names with the valid choices)
    return [*argv[:index], DEFAULT_COMMAND, *argv[index:]]


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:  # argparse keeps sub-parsers here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = _command_names(parser)
    if DEFAULT_COMMAND in commands:
        argv = with_default_command(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
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
