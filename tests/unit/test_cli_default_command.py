"""`main.py` with no command runs `ui`, options included (`main.py --comfyui-url URL`)."""

from __future__ import annotations

import pytest

from app.cli import build_parser, with_default_command


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["ui"]),
        (["--comfyui-url", "http://127.0.0.1:8190"], ["ui", "--comfyui-url", "http://127.0.0.1:8190"]),
        (["--config", "c.yaml", "-v", "--port", "7000"], ["--config", "c.yaml", "-v", "ui", "--port", "7000"]),
        (["--config=c.yaml", "--comfyui-url", "http://h:1"], ["--config=c.yaml", "ui", "--comfyui-url", "http://h:1"]),
        (["doctor", "--comfyui-url", "http://h:1"], ["doctor", "--comfyui-url", "http://h:1"]),
        (["-v", "run", "x.json"], ["-v", "run", "x.json"]),
        (["--help"], ["--help"]),
        (["nosuchcommand"], ["nosuchcommand"]),
    ],
)
def test_the_default_command_goes_after_the_global_options(argv, expected):
    assert with_default_command(argv) == expected


def test_comfyui_url_without_a_command_parses_as_ui():
    args = build_parser().parse_args(with_default_command(["--comfyui-url", "http://127.0.0.1:8190"]))
    assert args.command == "ui"
    assert args.comfyui_url == "http://127.0.0.1:8190"
