"""ruff and mypy as part of the test command (`.venv/bin/python -m pytest`), so CI keeps the code clean.

Configuration: ruff.toml (rules, line length 120, `ruff format` for the code's shape) and mypy.ini (app/ only;
the modules not clean yet are listed there and only ever removed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 900  # mypy's first run without a cache takes minutes on a busy 2-core machine


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)


def test_ruff_finds_nothing() -> None:
    result = run_tool("ruff", "check", "--no-fix", "--output-format", "concise", ".")
    assert result.returncode == 0, (
        f"ruff check found problems (fix them, or run `ruff check --fix`):\n{result.stdout}{result.stderr}"
    )


def test_the_code_is_formatted() -> None:
    result = run_tool("ruff", "format", "--check", ".")
    assert result.returncode == 0, (
        f"these files are not in `ruff format`'s shape (run `ruff format .`):\n{result.stdout}{result.stderr}"
    )


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT_S)
def test_mypy_finds_nothing_in_app() -> None:
    result = run_tool("mypy")  # files, plugins and the per-module baseline come from mypy.ini
    assert result.returncode == 0, f"mypy found type errors in app/:\n{result.stdout}{result.stderr}"
