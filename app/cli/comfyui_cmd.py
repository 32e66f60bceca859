"""`python main.py comfyui install [DIR]`: install the embedded default ComfyUI (pinned release + node packs)
and point comfyui.launch at it, so that `python main.py` starts it. `bash scripts/setup.sh comfyui` runs this."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("comfyui", help="install the embedded ComfyUI the studio starts by itself")
    actions = parser.add_subparsers(dest="comfyui_action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install", help="install the pinned ComfyUI and node packs into a folder (default: comfyui/)"
    )
    install.add_argument("dir", nargs="?", help="where to install (default: comfyui/ inside the project, git-ignored)")
    install.add_argument("--source", help="ComfyUI git URL or local checkout/mirror (default: upstream on GitHub)")
    install.add_argument(
        "--packs-source",
        metavar="DIR_OR_URL",
        help="folder (or URL base) holding one checkout per node pack, named as the pack "
        "(default: each pack's GitHub URL)",
    )
    install.add_argument(
        "--python",
        type=Path,
        help="run ComfyUI with this existing interpreter as it is, instead of making DIR/venv "
        "(nothing is installed into it)",
    )
    install.add_argument("--no-packs", action="store_true", help="install ComfyUI only, no node packs")
    install.add_argument(
        "--config-out", type=Path, help="file to write comfyui.launch into (default: config.local.yaml)"
    )
    install.add_argument("--no-config", action="store_true", help="do not write comfyui.launch anywhere")
    device = install.add_mutually_exclusive_group()
    device.add_argument("--cpu", action="store_true", help="always start ComfyUI with --cpu")
    device.add_argument(
        "--gpu", action="store_true", help="never add --cpu (default: --cpu only when torch sees no GPU)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from app.services import comfyui_install_service as installer

    extra_args = ("--cpu",) if args.cpu else () if args.gpu else None
    options = installer.InstallOptions(
        target=Path(args.dir) if args.dir else installer.DEFAULT_TARGET,
        source=args.source,
        packs_source=args.packs_source,
        python=args.python,
        with_packs=not args.no_packs,
        extra_args=extra_args,
        config_out=None if args.no_config else (args.config_out or installer.LOCAL_CONFIG_PATH),
    )
    report = installer.install(options, say=lambda line: print(line, flush=True))
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    packs = f" with {len(report.packs)} node pack(s)" if report.packs else ""
    print(
        f"ComfyUI {report.commit[:8]}{packs} is in {report.path}, run by {report.python}"
        + (f" {' '.join(report.extra_args)}" if report.extra_args else "")
        + "."
    )
    if report.config_path is not None:
        print("Start the studio with `.venv/bin/python main.py`: it starts this ComfyUI by itself.")
    return 0
