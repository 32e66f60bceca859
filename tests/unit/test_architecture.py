"""The layer rules hold for the repository (docs/architecture.md), and the checker catches a planted violation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import architecture_rules as rules

ROOT = Path(__file__).resolve().parents[2]

# Files whose old direct imports are still to move behind app.services, each with the reason it waits.
# Only ever remove entries.
PENDING: dict[str, str] = {}


def without_pending(problems: list[str]) -> list[str]:
    return [p for p in problems if p.split(":")[0] not in PENDING]


def test_layers_are_respected() -> None:
    assert without_pending(rules.layer_violations(ROOT)) == []


def test_pending_files_still_need_their_entry() -> None:
    """An entry in PENDING whose file is clean (or gone) must be removed, so the list only shrinks."""
    offending = {p.split(":")[0] for p in rules.layer_violations(ROOT)}
    assert set(PENDING) <= offending


def test_gradio_only_in_the_ui() -> None:
    assert rules.gradio_violations(ROOT) == []


def test_http_to_comfyui_only_in_app_comfy() -> None:
    assert rules.http_violations(ROOT) == []


def test_every_http_exception_still_speaks_http() -> None:
    for file in rules.HTTP_EXCEPTIONS:
        imports = {imp.target for imp in rules.imports_of(ROOT / file, ROOT)}
        assert any((t + ".").startswith(m + ".") for t in imports for m in rules.HTTP_MODULES), file


def test_node_pack_imports_resolve_as_a_copied_pack() -> None:
    assert rules.pack_violations(ROOT) == []


# ---- the checker itself, on a small tree with planted violations ------------------------------------------------
def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A clean miniature studio: every rule holds."""
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/errors.py", "class InkframeError(Exception):\n    pass\n")
    write(tmp_path, "app/comic/__init__.py", "from ..errors import InkframeError\n")
    write(tmp_path, "app/comic/layout.py", "import numpy\nfrom . import helpers\n")
    write(tmp_path, "app/comic/helpers.py", "")
    write(tmp_path, "app/comfy/__init__.py", "import requests\nfrom app.errors import InkframeError\n")
    write(tmp_path, "app/jobs/__init__.py", "from app.comfy import requests\nfrom ..comic import layout\n")
    write(tmp_path, "app/services/__init__.py", "")
    write(tmp_path, "app/services/book_service.py", "from ..jobs import x\nfrom app.comic.layout import y\n")
    write(tmp_path, "app/ui/__init__.py", "import gradio as gr\nfrom app.services import book_service\n")
    write(tmp_path, "app/cli/__init__.py", "from app.services.book_service import y\nfrom . import ui_cmd\n")
    write(tmp_path, "app/cli/ui_cmd.py", "def run():\n    from app.ui import launch\n")
    write(tmp_path, f"{rules.PACK}/requirements.txt", "numpy>=1\npillow>=10\n")
    write(tmp_path, f"{rules.PACK}/__init__.py", "import json\nfrom .nodes import X\n")
    write(tmp_path, f"{rules.PACK}/adapter.py", "import folder_paths\nimport numpy as np\nfrom PIL import Image\n")
    write(
        tmp_path,
        f"{rules.PACK}/nodes/__init__.py",
        "import torch\nfrom .. import adapter\nX = adapter.lib('comic.layout')\n",
    )
    return tmp_path


def all_problems(root: Path) -> list[str]:
    return (
        rules.layer_violations(root)
        + rules.gradio_violations(root)
        + rules.http_violations(root)
        + rules.pack_violations(root)
    )


def test_checker_passes_a_clean_tree(tree: Path) -> None:
    assert all_problems(tree) == []


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "app/comic/bad.py",
            "from app.services import book_service\n",
            "app/comic/bad.py:1: imports app.services.book_service: "
            "app/comic (layer 0) may not import app/services (layer 5)",
        ),
        (
            "app/comfy/bad.py",
            "def f():\n    from ..jobs import x\n",
            "app/comfy/bad.py:2: imports app.jobs.x: app/comfy (layer 1) may not import app/jobs (layer 3)",
        ),
        (
            "app/ui/bad.py",
            "from app.jobs.models import Job\n",
            "app/ui/bad.py:1: imports app.jobs.models.Job: app/ui reaches lower layers only through app.services",
        ),
        (
            "app/cli/bad.py",
            "from ..comic import layout\n",
            "app/cli/bad.py:1: imports app.comic.layout: app/cli reaches",
        ),
        (
            "app/jobs/bad.py",
            "KINDS = {'book': 'app.services.book_service:run_book_job'}\n",
            "app/jobs/bad.py:1: imports app.services.book_service: "
            "app/jobs (layer 3) may not import app/services (layer 5)",
        ),
        (
            "app/errors_extra.py",
            "from app.comic import layout\n",
            "app/errors_extra.py:1: app/errors_extra is in no layer",
        ),
        (
            "app/services/bad.py",
            "import gradio\n",
            "app/services/bad.py:1: imports gradio: gradio belongs in app/ui only.",
        ),
        (
            "app/jobs/bad.py",
            "import urllib.request\n",
            "app/jobs/bad.py:1: imports urllib.request: HTTP/WebSocket clients",
        ),
        (
            "app/book/bad.py",
            "from http import client\n",
            "app/book/bad.py:1: imports http.client: HTTP/WebSocket clients",
        ),
        (
            f"{rules.PACK}/nodes/bad.py",
            "from app.comic import layout\n",
            f"{rules.PACK}/nodes/bad.py:1: imports app, which a copied pack cannot resolve (reach the studio through",
        ),
        (
            f"{rules.PACK}/nodes/bad.py",
            "import scipy\n",
            f"{rules.PACK}/nodes/bad.py:1: imports scipy, which a copied pack",
        ),
        (
            f"{rules.PACK}/nodes/bad.py",
            "from ... import outside\n",
            f"{rules.PACK}/nodes/bad.py:1: a relative import leaves",
        ),
        (
            f"{rules.PACK}/nodes/bad.py",
            "from .. import adapter\nY = adapter.lib('comic.nothing')\n",
            f"{rules.PACK}/nodes/bad.py:2: lib('comic.nothing') names no module under app/.",
        ),
        (
            "app/comic/helpers.py",
            "from app.errors import InkframeError\n",
            "app/comic/helpers.py:1: the node pack loads this module under the name inkframe_app",
        ),
    ],
)
def test_checker_finds_a_planted_violation(tree: Path, file: str, text: str, expected: str) -> None:
    write(tree, file, text)
    problems = all_problems(tree)
    assert any(p.startswith(expected) for p in problems), problems


def test_checker_honours_a_listed_exception_and_only_there(tree: Path) -> None:
    write(tree, "app/jobs/webhooks.py", "import requests\n")  # listed in HTTP_EXCEPTIONS
    write(tree, "app/ui/server.py", "from app.api import build_api\n")  # listed in LAYER_EXCEPTIONS
    write(tree, "app/api/__init__.py", "")
    assert all_problems(tree) == []
    shutil.move(tree / "app/ui/server.py", tree / "app/ui/other.py")
    assert [p.split(":")[0] for p in all_problems(tree)] == ["app/ui/other.py"]
