"""`python main.py provenance FILE...`: what each file's Content Credentials say (valid/untrusted/tampered)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from app.config import Config

MAX_FILES = 1000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "provenance",
        help="check the Content Credentials (C2PA) of files",
        description="Verify and print the C2PA manifest of each file: valid, untrusted "
        "(intact, signer not on a trust list), tampered or unsigned; its "
        "actions and ingredients.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.add_argument("--signer", action="store_true", help="also say which identity this studio signs with")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every file is valid or untrusted, 1 when any is tampered, unsigned or unreadable."""
    from app.services.provenance_service import UNTRUSTED_EXPLAINED, describe, format_report, signer_summary

    if len(args.files) > MAX_FILES:
        print(f"error: at most {MAX_FILES} files per call; split the list.")
        return 2
    if args.signer:
        print(signer_summary(config))
    worst = 0
    untrusted = False
    for path in args.files:
        report = describe(path, config)
        untrusted = untrusted or report.state == "untrusted"
        if args.json:
            print(json.dumps(asdict(report), default=str, sort_keys=True))
        else:
            print("\n".join(format_report(report)))
        if report.state not in ("valid", "untrusted"):
            worst = 1
    if untrusted and not args.json:
        print(f"\n{UNTRUSTED_EXPLAINED}")
    return worst
