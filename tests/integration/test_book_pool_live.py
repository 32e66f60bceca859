"""A book built through the queue's backend pool on live ComfyUIs (issue 15 acceptance).

Three backends with the tiny SD1.5 checkpoint and Inkframe's node pack; a 12-panel script built as one
`book` job by a worker process. Mid-build a backend is SIGKILLed (its panels fail over) and the worker
is SIGKILLed and started again (the book job is requeued, resumes and finds the panel jobs it had
already submitted). Every panel is drawn by exactly one job, the three backends all drew panels, and
the result equals the same book built on one backend: the same panels, seeds, prompts and pictures.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PIL import Image

from app.config import load_config
from app.jobs.models import JobQuery, JobSpec
from app.services.queue_service import QueueService

from .queue_backends import running_backends, write_config
from .queue_backends import wait_for as poll
from .sd15_fixture import TINY_CHECKPOINT, comfy_env, extra_model_paths_file

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO_ROOT = Path(__file__).resolve().parents[2]
PAGES, PANELS = 4, 3


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory):
    if comfy_env() is None:
        pytest.skip(
            "no ComfyUI to start: set COMFYUI_PATH and COMFYUI_PYTHON (the book runs the tiny SD1.5 checkpoint)"
        )
    workdir = tmp_path_factory.mktemp("book-pool-backends")
    extra = extra_model_paths_file(workdir)
    yield from running_backends(3, workdir, extra_args=["--extra-model-paths-config", str(extra)], torch_threads=1)


def script_text() -> str:
    lines = ["Title: Harbour Lights", "Page size: a5", "DPI: 72", "Style: noir", ""]
    for page in range(1, PAGES + 1):
        lines += [f"PAGE {page}", ""]
        for panel in range(1, PANELS + 1):
            lines += [f"PANEL {panel}. The harbour at dusk, boat number {page}{panel} leaving.", "Shot: wide", ""]
    return "\n".join(lines)


def config_file(tmp_path: Path, urls: list[str]) -> Path:
    path = write_config(tmp_path / "config.yaml", urls)
    data = yaml.safe_load(path.read_text())
    data["queue"]["max_attempts"] = 6
    path.write_text(yaml.safe_dump(data))
    return path


def start_worker(config_path: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "main.py", "--config", str(config_path), "worker"],
        cwd=REPO_ROOT,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    return poll(predicate, timeout, what, interval)


def submit_book(service: QueueService, tmp_path: Path) -> str:
    script = tmp_path / "harbour.txt"
    script.write_text(script_text(), encoding="utf-8")
    [job] = service.submit(
        [
            JobSpec(
                kind="book",
                parameters={
                    "script": str(script),
                    "out_dir": "books/harbour",
                    "max_side": 64,
                    "steps": 1,
                    "checkpoint": TINY_CHECKPOINT,
                    "formats": ["png", "pdf"],
                },
            )
        ]
    )
    return job.id


def panel_set(out: Path) -> dict[str, tuple]:
    """Per panel: seed, workflow, size, prompt and the digest of the picture's pixels."""
    panels = {}
    for record_path in sorted((out / "panels").glob("p*_panel*.json")):
        record = json.loads(record_path.read_text())
        with Image.open(out / record["image"]) as picture:  # pixels: each file's signed credentials differ
            digest = hashlib.sha256(picture.convert("RGB").tobytes()).hexdigest()
        panels[record_path.stem] = (
            record["status"],
            record["seed"],
            record["workflow"],
            record["width"],
            record["height"],
            record["positive"],
            digest,
        )
    return panels


def children(service: QueueService, book_id: str) -> list:
    return service.list(JobQuery(batch_id=f"children-{book_id}", limit=1000)).items


@pytest.mark.timeout(2400)
def test_a_book_on_three_backends_survives_kills_and_equals_a_one_backend_build(backends, tmp_path: Path):
    pool_dir, single_dir = tmp_path / "pool", tmp_path / "single"
    pool_dir.mkdir()
    single_dir.mkdir()
    config_path = config_file(pool_dir, [s.url for s in backends])
    service = QueueService(load_config(config_path))
    book_id = submit_book(service, pool_dir)
    worker = start_worker(config_path, pool_dir / "worker-1.log")
    victim = backends[2]
    try:
        # panels are spread over the three backends; b2 is killed once it has drawn one and runs another
        wait_for(
            lambda: (
                any(c.backend == "b2" and c.status == "succeeded" for c in children(service, book_id))
                and any(c.backend == "b2" and c.status == "running" for c in children(service, book_id))
            ),
            900,
            "b2 to draw a panel and start another",
        )
        victim.process.kill()
        victim.process.wait()
        done_before = sum(c.status == "succeeded" for c in children(service, book_id))
        wait_for(
            lambda: sum(c.status == "succeeded" for c in children(service, book_id)) >= done_before + 2,
            600,
            "two more panels after the backend died",
        )
        os.kill(worker.pid, signal.SIGKILL)  # the book's coordinator dies with its worker
        worker.wait()
        worker = start_worker(config_path, pool_dir / "worker-2.log")
        final = wait_for(lambda: (job := service.get(book_id)).terminal and job, 1200, "the book job to end")
    finally:
        stop(worker)
        if not victim.is_running():
            victim.start()
    assert final.status == "succeeded", final.last_error
    kids = children(service, book_id)
    assert len(kids) == PAGES * PANELS and {k.status for k in kids} == {"succeeded"}  # one job per panel, none twice
    placed = {k.backend for k in kids} | {e.backend for k in kids for e in k.errors}
    assert placed == {"b0", "b1", "b2"}, placed
    assert all(len([o for o in k.outputs if o.kind == "image"]) == 1 for k in kids)
    moved = [k for k in kids if any(e.kind == "transient" and e.backend == "b2" for e in k.errors)]
    # b2's running panel failed over; with 1-step tiny panels it can also finish between the check and the
    # kill (seen on merged main), and then nothing is left to move: what must hold is that none stayed on b2
    assert all(k.backend in ("b0", "b1") for k in moved)
    assert any(e.kind == "reconciled" for e in final.errors)  # its coordinator died with the worker: requeued, resumed
    pool_out = service.output_dir / "books" / "harbour"
    assert sorted(p.name for p in (pool_out / "book").glob("page_*.png")) == [
        f"page_{n:03d}.png" for n in range(1, PAGES + 1)
    ]
    service.close()

    single_path = config_file(single_dir, [backends[0].url])
    single = QueueService(load_config(single_path))
    single_id = submit_book(single, single_dir)
    worker = start_worker(single_path, single_dir / "worker.log")
    try:
        final = wait_for(lambda: (job := single.get(single_id)).terminal and job, 1200, "the one-backend book to end")
    finally:
        stop(worker)
    assert final.status == "succeeded", final.last_error
    assert panel_set(pool_out) == panel_set(single.output_dir / "books" / "harbour")
    single.close()


@pytest.mark.timeout(900)
def test_cancelling_a_book_stops_its_running_panels(backends, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each panel holds its ComfyUI for 60 s (InkframeTestSleep before SaveImage, interruptible). A stranger's prompt
    runs on b2 first (90 s), so the book's panel there waits in b2's queue. Cancelling the book interrupts its running
    panels on b0 and b1, deletes the pending one from b2's queue and leaves the stranger's prompt running."""
    from app.comfy import ComfyClient
    from app.jobs import runner as runner_module
    from app.jobs.worker import Worker

    from .queue_backends import QUEUE_TIMEOUTS, gpu_time_prompts, sleep_prompt

    monkeypatch.setattr(runner_module, "build_prompt", gpu_time_prompts(60.0))
    config = load_config(config_file(tmp_path, [s.url for s in backends]))
    clients = [ComfyClient(s.url, timeouts=QUEUE_TIMEOUTS) for s in backends]
    stranger = clients[2].submit(sleep_prompt("stranger", 90.0))
    service = QueueService(config)
    worker = Worker(config, worker_id="cancel-test")
    worker.start()
    try:
        book_id = submit_book(service, tmp_path)

        def placed() -> dict[str, str]:
            return {k.backend: k.prompt_id for k in children(service, book_id) if k.status == "running"}

        def ours_running_or_waiting() -> bool:
            on = placed()
            return (
                len(on) == 3
                and clients[0].queue().is_running(on["b0"])
                and clients[1].queue().is_running(on["b1"])
                and clients[2].queue().is_pending(on["b2"])
            )

        wait_for(ours_running_or_waiting, 300, "panels running on b0 and b1 and one waiting behind the stranger on b2")
        prompts = placed()
        assert service.cancel(book_id).status == "cancelled"
        counts = service.store.batch_summary(f"children-{book_id}").counts
        assert counts.get("running", 0) == counts.get("queued", 0) == counts.get("paused", 0) == 0, counts
        mine = set(prompts.values())
        wait_for(
            lambda: not any(c.queue().contains(prompt) for c in clients for prompt in mine),
            30,
            "no prompt of the book left running or queued on any ComfyUI",
        )
        for name, client in zip(("b0", "b1"), clients):
            status = client.history(prompts[name])[prompts[name]]["status"]
            assert status["status_str"] == "error" and any(m[0] == "execution_interrupted" for m in status["messages"])
        assert not clients[2].history(prompts["b2"])  # deleted before it ran
        assert clients[2].queue().is_running(stranger)  # someone else's prompt is never interrupted
        submitted = len(children(service, book_id))
        wait_for(lambda: book_id not in worker.runner.active_ids(), 30, "the book's coordinator to stop")
        assert len(children(service, book_id)) == submitted  # the cancelled book submitted nothing more
        assert clients[2].wait(stranger, timeout=180).status == "success"
    finally:
        worker.stop()
        service.close()
        for client in clients:
            client.close()
