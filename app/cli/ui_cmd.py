"""`python main.py` / `python main.py ui [--host H] [--port P] [--comfyui-url URL]`: start the studio UI."""

from __future__ import annotations

import argparse

from app.cli.common import add_comfyui_url_argument
from app.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ui", help="start the studio in the browser (the default command)")
    parser.add_argument("--host", help="address to listen on (default app.host, 127.0.0.1); others need app.auth_token")
    parser.add_argument("--port", type=int, help="port to listen on (default app.port, 7860)")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run the queue worker inside the studio (run `python main.py worker` instead)",
    )
    add_comfyui_url_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from app.services.backend_session import open_backend
    from app.ui.server import resolve_options, serve

    if config.comfyui.launch is not None and not getattr(args, "comfyui_url", None):
        print(f"starting ComfyUI from {config.comfyui.launch.path} (comfyui.launch) ...", flush=True)
    with open_backend(
        config, getattr(args, "comfyui_url", None)
    ) as url:  # a managed ComfyUI lives as long as the studio
        options = resolve_options(config, args.host, args.port, url, embedded_worker=not args.no_worker)
        if url != config.comfyui.url.rstrip("/"):  # the queue's backends follow --comfyui-url (or the managed one) too
            config = config.model_copy(update={"comfyui": config.comfyui.model_copy(update={"url": url})})
        serve(config, options)
    return 0
