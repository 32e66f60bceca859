"""`python main.py` / `python main.py ui [--host H] [--port P] [--comfyui-url URL]`: start the studio UI."""

from __future__ import annotations

import argparse

from app.cli.common import add_comfyui_url_argument, comfyui_url
from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ui", help="start the studio in the browser (the default command)")
    parser.add_argument("--host", help="address to listen on (default app.host, 127.0.0.1); others need app.auth_token")
    parser.add_argument("--port", type=int, help="port to listen on (default app.port, 7860)")
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from app.ui.server import resolve_options, serve

    options = resolve_options(config, args.host, args.port, comfyui_url(args, config))
    serve(config, options)
    return 0
