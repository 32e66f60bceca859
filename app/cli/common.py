"""Arguments shared by several commands."""

from __future__ import annotations

import argparse

from app.config import Config


def add_comfyui_url_argument(parser: argparse.ArgumentParser) -> None:
    """Every command that talks to ComfyUI takes --comfyui-url to override the config."""
    parser.add_argument(
        "--comfyui-url", metavar="URL", help="ComfyUI server to use (overrides comfyui.url in config.yaml)"
    )


def comfyui_url(args: argparse.Namespace, config: Config) -> str:
    return (getattr(args, "comfyui_url", None) or config.comfyui.url).rstrip("/")
