"""`comic build` end to end on a live ComfyUI with a tiny random-weight SD1.5 checkpoint, through the job queue
(a `book` job whose pictures are `book_render` jobs, as the Comic tab builds).

The pictures are noise (random weights, one step, 64 px); the orchestration is real: the built-in
panel / background / img2img_restyle workflows are converted, bound, preflighted and run by ComfyUI; the
location plate is generated once and reused; pages are lettered and exported to PDF and CBZ; a resume
reuses every panel; a regenerate changes one panel and its page only.

Needs COMFYUI_PATH + COMFYUI_PYTHON (the test starts its own ComfyUI that also sees the cached test
checkpoint), or COMFYUI_URL of a server whose checkpoints already include it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comfy import ComfyClient, ManagedComfyUI
from app.config import LaunchConfig

from .conftest import INTEGRATION_TIMEOUTS
from .launch import REPO_ROOT, torchvision_shim_env
from .sd15_fixture import TINY_CHECKPOINT, comfy_env, extra_model_paths_file

pytestmark = pytest.mark.integration

SCRIPT = """Title: Tiny Lamp
Page size: a5
DPI: 72
Style: noir
Cast:
- MAYA: lighthouse keeper, red raincoat, short dark hair

PAGE 1

PANEL 1. The sea at night under a storm.
Shot: wide
CAPTION: The storm came early that year.

PANEL 2. Inside the lamp room. Maya wrestles with a rusted lever.
Shot: medium
Characters: MAYA (center)
MAYA: Hold the light steady!
"""


@pytest.fixture(scope="module")
def tiny_sd15_comfyui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ComfyUI URL whose checkpoints include TINY_CHECKPOINT."""
    url = os.environ.get("COMFYUI_URL")
    if url:
        with ComfyClient(url, timeouts=INTEGRATION_TIMEOUTS) as client:
            names = (
                client.object_info()
                .get("CheckpointLoaderSimple", {})
                .get("input", {})
                .get("required", {})
                .get("ckpt_name", [[]])[0]
            )
        if TINY_CHECKPOINT not in names:
            pytest.skip(
                f"COMFYUI_URL's server has no {TINY_CHECKPOINT}; run with COMFYUI_PATH + COMFYUI_PYTHON so the test "
                "can start a ComfyUI that sees the test checkpoint"
            )
        yield url.rstrip("/")
        return
    env = comfy_env()
    if env is None:
        pytest.skip(
            "no live ComfyUI: set COMFYUI_PATH and COMFYUI_PYTHON (the test builds a tiny SD1.5 checkpoint with "
            "ComfyUI's classes and starts ComfyUI with it)"
        )
    workdir = tmp_path_factory.mktemp("book-comfyui")
    extra = extra_model_paths_file(workdir)  # builds the checkpoint on first use (cached outside the repo)
    path, python = env
    launch = LaunchConfig(
        path=path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra)],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch, REPO_ROOT, timeouts=INTEGRATION_TIMEOUTS, data_dir=workdir, env=torchvision_shim_env(python, workdir)
    )
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("book")
    (root / "book.txt").write_text(SCRIPT, encoding="utf-8")
    location = root / "library" / "locations" / "lamp-room"
    location.mkdir(parents=True)
    (location / "location.yaml").write_text(
        "name: lamp room\nprompt: round lamp room, brass gears, rain on the glass\n", encoding="utf-8"
    )
    character = root / "library" / "characters" / "maya" / "references"
    character.mkdir(parents=True)
    (character.parent / "character.yaml").write_text(
        "name: Maya\ndescription: woman in a red raincoat\nseed: 42\n", encoding="utf-8"
    )
    Image.fromarray(np.full((64, 64, 3), (200, 40, 40), np.uint8)).save(character / "front.png")
    return root


def _config(book_dir: Path) -> Path:
    """The queue (store, outputs of the panel jobs) of these builds: under the test's folder, not the repo's."""
    path = book_dir / "config.yaml"
    path.write_text(
        f"app:\n  output_dir: {book_dir / 'outputs'}\nqueue:\n  sqlite_path: {book_dir / 'data' / 'jobs.db'}\n",
        encoding="utf-8",
    )
    return path


def _build(book_dir: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "main.py",
        "--config",
        str(_config(book_dir)),
        "comic",
        "build",
        str(book_dir / "book.txt"),
        "--out",
        str(book_dir / "out"),
        "--comfyui-url",
        url,
        "--library",
        str(book_dir / "library"),
        "--max-side",
        "64",
        "--steps",
        "1",
        "--checkpoint",
        TINY_CHECKPOINT,
        *extra,
    ]
    return subprocess.run(command, check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_build_resume_and_regenerate(tiny_sd15_comfyui: str, book_dir: Path) -> None:
    out = book_dir / "out"
    done = _build(book_dir, tiny_sd15_comfyui)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 panels (2 generated, 0 reused)" in done.stdout
    # progress as it happened: the plate, each panel, the page, then the export
    lines = [line for line in done.stderr.splitlines() if line.startswith(("location plate", "page 1"))]
    assert lines[0].startswith("location plate lamp room") and lines[-1] == "page 1 composed", lines
    # through the job queue (the Comic tab's path): one book job, every picture a book_render job on the pool
    from app.config import load_config
    from app.jobs.models import JobQuery
    from app.services.queue_service import QueueService

    queue = QueueService(load_config(book_dir / "config.yaml"))
    [book] = queue.list(JobQuery(kind="book")).items
    renders = queue.list(JobQuery(kind="book_render", limit=100)).items
    assert book.status == "succeeded" and f"(book job {book.id})" in done.stdout
    assert len(renders) == 3 and {r.status for r in renders} == {"succeeded"}
    assert {r.backend for r in renders} == {"default"}
    queue.close()

    first, second = (json.loads((out / "panels" / f"p01_panel0{n}.json").read_text()) for n in (1, 2))
    assert first["workflow"] == "panel" and first["location"] is None  # no location named yet: txt2img
    assert second["workflow"] == "img2img_restyle" and second["location"] == "lamp room"  # redrawn from the plate
    for record in (first, second):
        assert record["status"] == "done" and record["seed"] == record["attempts"][0]["seed"]
        assert record["attempts"][0]["prompt_id"] and record["attempts"][0]["comfy_execution_s"] > 0
        sent = {node["class_type"]: node["inputs"] for node in record["api_prompt"].values()}
        assert sent["KSampler"]["steps"] == 1 or record["parameters"]["steps"] == 1
        assert Image.open(out / record["image"]).size == (record["width"], record["height"])
    assert any(note.startswith("drawn on backend default (job ") for note in second["notes"])
    assert "Maya (woman in a red raincoat)" in second["positive"] and "noir comic panel" in second["positive"]
    assert "lamp room" in second["positive"]
    # parameters ride on core nodes and are resolved app-side: the seed reaches the sampler itself
    seeds = {
        node["inputs"].get("seed") for node in second["api_prompt"].values() if node.get("class_type") == "KSampler"
    }
    assert seeds == {second["seed"]}
    state = json.loads((out / "build.json").read_text())
    assert (
        state["plates"]["lamp-room"]["source"] == "generated" and (out / state["plates"]["lamp-room"]["file"]).is_file()
    )
    assert state["capabilities"]["ipadapter"]  # a stock ComfyUI: the reason IPAdapter is off is recorded
    assert (out / "book" / "page_001.png").is_file()
    with zipfile.ZipFile(out / "book" / "tiny-lamp.cbz") as cbz:
        assert "ComicInfo.xml" in cbz.namelist()
    assert (out / "book" / "tiny-lamp.pdf").read_bytes().startswith(b"%PDF")
    report = (out / "report.md").read_text()
    assert "| 1:1 |" in report and f"| {second['seed']} |" in report and "style consistency" in report

    panels_before, page_before = _digests(out / "panels"), _digests(out / "book")
    again = _build(book_dir, tiny_sd15_comfyui, "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 panels (0 generated, 2 reused)" in again.stdout
    assert _digests(out / "panels") == panels_before

    regenerated = _build(
        book_dir, tiny_sd15_comfyui, "--regenerate", "1:2", "--seed", "7", "--prompt", "Maya looks up at the lamp"
    )
    assert regenerated.returncode == 0, regenerated.stderr[-3000:]
    after = _digests(out / "panels")
    assert after["p01_panel01.png"] == panels_before["p01_panel01.png"]
    assert after["p01_panel02.png"] != panels_before["p01_panel02.png"]
    assert _digests(out / "book")["page_001.png"] != page_before["page_001.png"]
    record = json.loads((out / "panels" / "p01_panel02.json").read_text())
    assert record["seed"] == 7 and record["overrides"] == {"seed": 7, "prompt": "Maya looks up at the lamp"}
    assert "Maya looks up at the lamp" in record["positive"]


def test_identity_gate_retries_with_new_seeds_on_live_backend(
    tiny_sd15_comfyui: str, tmp_path: Path, book_dir: Path
) -> None:
    """The retry loop against a real backend: a test embedder (image statistics, not a face model) that no
    noise picture can satisfy at threshold 0.9999, so every retry runs on ComfyUI with its own seed."""
    from app.book.build_types import BuildOptions
    from app.book.plan import PanelRef
    from app.config import Config
    from app.services.book_service import build_book
    from tests.unit.book_helpers import StatsEmbedder

    config = Config.model_validate(
        {"gates": {"identity_threshold": 0.9999, "identity_retries": 2, "identity_repairs": 0}}
    )
    options = BuildOptions(
        script=book_dir / "book.txt",
        out_dir=tmp_path / "gate",
        library_dir=book_dir / "library",
        max_side=64,
        steps=1,
        checkpoint=TINY_CHECKPOINT,
    )
    result = build_book(options, config, tiny_sd15_comfyui, embedder=StatsEmbedder())
    record = next(r for r in result.records if (r.page, r.panel) == (1, 2))
    assert [a.kind for a in record.attempts] == ["generate", "retry", "retry"]
    assert len({a.seed for a in record.attempts}) == 3 and len({a.prompt_id for a in record.attempts}) == 3
    assert record.retries == 2 and record.identity_passed is False
    assert all(a.identity and a.identity[0].character == "MAYA" for a in record.attempts)
    assert any(note.startswith("identity below 0.9999 for MAYA") for note in record.notes)
    untouched = next(r for r in result.records if (r.page, r.panel) == (1, 1))
    assert untouched.retries == 0 and untouched.identity == []  # no character, nothing to check
    assert PanelRef(1, 2) in result.generated


def test_character_sheet_from_text_on_live_backend(tiny_sd15_comfyui: str, tmp_path: Path) -> None:
    """The character_sheet workflow (OpenPose ControlNet posed by the drawn turnaround skeletons) with the
    tiny checkpoint and a tiny random ControlNet of the same UNet; its cells become the character's references."""
    import yaml

    from app.config import Config
    from app.services.book_service import make_sheet

    from .sd15_fixture import TINY_CONTROLNET

    folder = tmp_path / "library" / "characters" / "maya"
    folder.mkdir(parents=True)
    (folder / "character.yaml").write_text(
        "name: Maya\ndescription: woman in a red raincoat\nseed: 3\n", encoding="utf-8"
    )
    sheet = make_sheet(
        "maya",
        Config(),
        tiny_sd15_comfyui,
        library_dir=tmp_path / "library",
        size=(192, 64),
        checkpoint=TINY_CHECKPOINT,
        steps=1,
        controlnet=TINY_CONTROLNET,
    )
    assert Image.open(sheet.sheets["turnaround"]).size == (192, 64) and Image.open(
        sheet.sheets["expressions"]
    ).size == (192, 64)
    assert len(sheet.references) == 7 and all(p.is_file() for p in sheet.references)
    listed = yaml.safe_load((folder / "character.yaml").read_text())["references"]
    assert listed[:3] == ["sheet_turnaround_front.png", "sheet_turnaround_side.png", "sheet_turnaround_back.png"]


def test_a_whole_script_builds_unattended_on_the_queue(tiny_sd15_comfyui: str, book_dir: Path, tmp_path: Path) -> None:
    """The `book` job kind: the persistent queue builds a script end to end; run again, it keeps every finished
    panel."""
    import time

    from app.config import load_config
    from app.jobs.models import JobSpec
    from app.services.queue_service import QueueService

    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        f"app:\n  output_dir: {tmp_path / 'outputs'}\nqueue:\n  sqlite_path: {tmp_path / 'jobs.db'}\n"
        f"comfyui:\n  url: {tiny_sd15_comfyui}\n",
        encoding="utf-8",
    )
    service = QueueService(load_config(config_file))
    worker = service.start_worker()
    parameters = {
        "script": str(book_dir / "book.txt"),
        "library": str(book_dir / "library"),
        "max_side": 64,
        "steps": 1,
        "checkpoint": TINY_CHECKPOINT,
    }

    def finish(job_id: str):
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            job = service.get(job_id)
            if job.status in ("succeeded", "failed", "cancelled"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"book job {job_id} did not finish: {service.get(job_id)}")

    try:
        (job,) = service.submit([JobSpec(kind="book", parameters=parameters)])
        done = finish(job.id)
        assert done.status == "succeeded", done.error
        names = {output.filename for output in done.outputs}
        assert {"tiny-lamp.pdf", "tiny-lamp.cbz", "report.md", "page_001.png"} <= names
        folder = tmp_path / "outputs" / "jobs" / job.id
        panels = {p.name: p.read_bytes() for p in (folder / "panels").glob("*.png")}
        assert len(panels) >= 2
        # the build is resumable, so the queue can run the job again (after a crash, or by hand): nothing is redone
        from app.services.book_service import run_book_job

        run_book_job(done, {}, worker.context)  # every panel and the plate are reused: no child job is needed
        assert {p.name: p.read_bytes() for p in (folder / "panels").glob("*.png")} == panels
        records = [json.loads(p.read_text()) for p in (folder / "panels").glob("p*_panel*.json")]
        assert len(records) == 2 and all(r["status"] == "done" and len(r["attempts"]) == 1 for r in records)
    finally:
        worker.stop()
        service.close()


def test_queued_panel_job_shows_sampler_previews(tiny_sd15_comfyui: str, tmp_path: Path) -> None:
    """A `workflow` job on the queue: the managed ComfyUI runs with --preview-method auto, the sampler's
    preview frames reach the job record while it runs, and its outputs are collected."""
    import time

    from app.config import load_config
    from app.jobs.models import JobSpec
    from app.services.queue_service import QueueService

    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        f"app:\n  output_dir: {tmp_path / 'outputs'}\nqueue:\n  sqlite_path: {tmp_path / 'jobs.db'}\n"
        f"comfyui:\n  url: {tiny_sd15_comfyui}\n",
        encoding="utf-8",
    )
    service = QueueService(load_config(config_file))
    worker = service.start_worker()
    overrides = {"checkpoint": TINY_CHECKPOINT, "steps": 3, "width": 256, "height": 256, "prompt": "a lighthouse"}
    try:
        (job,) = service.submit([JobSpec(kind="workflow", parameters={"workflow": "panel", "overrides": overrides})])
        seen_while_running = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            current = service.get(job.id)
            if current.status == "running" and current.preview:
                seen_while_running = current.preview
            if current.terminal:
                break
            time.sleep(0.05)
        assert current.status == "succeeded", current.last_error
        assert current.preview == f"jobs/{job.id}/preview.jpg"
        preview = tmp_path / "outputs" / current.preview
        assert preview.read_bytes()[:2] == b"\xff\xd8"  # a JPEG from the sampler
        assert seen_while_running == current.preview  # the Queue tab shows it while the sampler runs
        assert any(output.kind == "image" for output in current.outputs)
    finally:
        worker.stop()
        service.close()
