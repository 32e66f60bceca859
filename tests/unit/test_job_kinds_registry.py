"""The queue (app/jobs) knows the kinds whose work lives above it only through what app/services registers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.jobs import kinds
from app.jobs.models import Job
from app.services import job_kinds

ROOT = Path(__file__).resolve().parents[2]


def test_the_queue_alone_loads_no_upper_layer_and_knows_only_collect() -> None:
    probe = (
        "import json, sys; from app.jobs import kinds, runner, worker; "
        "print(json.dumps([sorted(kinds.LOCAL_KINDS), sorted(kinds.PROMPT_BUILDERS), "
        "sorted(m for m in sys.modules if m.startswith(('app.services', 'app.book', 'app.ui', 'app.cli')))]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [["collect"], [], []]


def test_importing_the_services_registers_book_story_and_the_book_render_prompt() -> None:
    assert kinds.local_handler("book") is job_kinds.run_book
    assert kinds.local_handler("story") is job_kinds.run_story
    assert kinds.local_handler("collect") is kinds.collect_dependency_outputs
    assert kinds.PROMPT_BUILDERS["book_render"] is job_kinds.book_render_prompt
    assert set(kinds.known_kinds()) == {"prompt", "workflow", "book_render", "collect", "book", "story"}
    job_kinds.register_job_kinds()  # again: nothing changes
    assert kinds.local_handler("book") is job_kinds.run_book


def test_a_comfyui_kind_cannot_be_registered_as_local_and_back() -> None:
    with pytest.raises(ValueError, match="kind 'prompt' runs on ComfyUI and cannot be a local kind."):
        kinds.register_local_kind("prompt", job_kinds.run_book)
    with pytest.raises(ValueError, match="kind 'book' is not a ComfyUI kind."):
        kinds.register_prompt_builder("book", job_kinds.book_render_prompt)


def test_book_render_without_its_builder_says_where_it_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(kinds.PROMPT_BUILDERS, "book_render")
    job = Job(id="j1", kind="book_render", parameters={"workflow": "panel"}, created_at=1.0, updated_at=1.0)
    with pytest.raises(kinds.JobKindError, match="no prompt builder in this process: import app.services"):
        kinds.build_prompt(job, {})


def test_an_unknown_local_kind_is_refused() -> None:
    with pytest.raises(kinds.JobKindError, match="kind 'prompt' is not a local kind."):
        kinds.local_handler("prompt")
