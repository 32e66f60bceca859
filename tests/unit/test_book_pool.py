"""A `book` job draws its panels through the queue's backend pool (issue 15), on in-memory backends that
answer with the recorded core /object_info (tests/fake_backends.py). The same build on live ComfyUIs with
the tiny SD1.5 checkpoint: tests/integration/test_book_pool_live.py."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import pytest

from app.config import Config
from app.jobs import worker as worker_module
from app.jobs.backends import BackendSpec
from app.jobs.models import JobQuery, JobSpec
from app.jobs.worker import Worker
from app.services.queue_service import QueueService
from tests.fake_backends import FakeBackend, fake_pool_factory, no_preflight
from tests.queue_fixtures import free_port


def book_script(pages: int = 4, panels: int = 3) -> str:
    lines = ["Title: Pool Test", "Page size: a5", "DPI: 72", "Style: noir", ""]
    for page in range(1, pages + 1):
        lines += [f"PAGE {page}", ""]
        for panel in range(1, panels + 1):
            lines += [f"PANEL {panel}. The harbour at dusk, boat {page}-{panel}.", "Shot: wide", ""]
    return "\n".join(lines)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    no_preflight(monkeypatch)
    monkeypatch.setattr(worker_module, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(worker_module, "ORPHAN_CHECK_S", 0.5)
    return Config.model_validate(
        {
            "app": {"output_dir": str(tmp_path / "out"), "library_dir": str(tmp_path / "library")},
            "queue": {"storage": "sqlite", "sqlite_path": str(tmp_path / "jobs.db"), "retry_backoff_s": 0.1},
            "comfyui": {"url": f"http://127.0.0.1:{free_port()}"},
        }
    )


def build(
    config: Config, backends: list[FakeBackend], script: Path, *, kill_after: int | None = None, timeout: float = 120
) -> tuple[QueueService, object]:
    service = QueueService(config)
    worker = Worker(
        config,
        specs=[BackendSpec(b.name, b.url, 1) for b in backends],
        worker_id="w1",
        client_factory=fake_pool_factory(backends),
    )
    worker.start()
    try:
        [book] = service.submit([JobSpec(kind="book", parameters={"script": str(script), "max_side": 64, "steps": 1})])
        deadline = time.monotonic() + timeout
        killed = False
        while time.monotonic() < deadline and not (job := service.get(book.id)).terminal:
            if kill_after is not None and not killed:
                done = service.list(JobQuery(batch_id=f"children-{book.id}", status=["succeeded"], limit=1000)).total
                if done >= kill_after:
                    backends[-1].kill()
                    killed = True
            time.sleep(0.05)
        assert job.terminal, f"the book job did not end: {job.status} {job.progress_text}"
    finally:
        worker.stop()
    return service, job


def test_a_book_fans_its_panels_out_over_every_backend_and_composes_pages(
    config: Config, tmp_path: Path, object_info_core: dict
) -> None:
    script = tmp_path / "book.txt"
    script.write_text(book_script(), encoding="utf-8")
    backends = [FakeBackend(f"b{i}", seconds=0.3, object_info=object_info_core) for i in range(3)]
    service, book = build(config, backends, script)
    assert book.status == "succeeded", book.last_error
    children = service.list(JobQuery(batch_id=f"children-{book.id}", limit=1000)).items
    assert len(children) == 12 and {c.status for c in children} == {"succeeded"}
    assert {c.backend for c in children} == {"b0", "b1", "b2"}  # per-backend slots: all three drew panels
    runs = collections.Counter()
    for backend in backends:
        runs.update(backend.executions)
    assert sorted(runs.values()) == [1] * 12  # each panel drawn once
    out = service.output_dir / "jobs" / book.id
    assert sorted(p.name for p in (out / "panels").glob("*.png")) == [
        f"p{pg:02d}_panel{pn:02d}.png" for pg in range(1, 5) for pn in range(1, 4)
    ]
    assert sorted(p.name for p in (out / "book").glob("page_*.png")) == [f"page_{n:03d}.png" for n in range(1, 5)]
    assert (out / "report.md").is_file() and any(o.filename.endswith(".pdf") for o in book.outputs)
    service.close()


def test_a_backend_killed_mid_book_loses_nothing(config: Config, tmp_path: Path, object_info_core: dict) -> None:
    script = tmp_path / "book.txt"
    script.write_text(book_script(), encoding="utf-8")
    backends = [FakeBackend(f"b{i}", seconds=0.3, object_info=object_info_core) for i in range(3)]
    service, book = build(config, backends, script, kill_after=3)
    assert book.status == "succeeded", book.last_error
    children = service.list(JobQuery(batch_id=f"children-{book.id}", limit=1000)).items
    assert len(children) == 12 and {c.status for c in children} == {"succeeded"}
    assert not backends[-1].alive
    moved = [c for c in children if any(e.kind == "transient" for e in c.errors)]
    assert all(c.backend != "b2" for c in moved)
    out = service.output_dir / "jobs" / book.id
    assert len(list((out / "panels").glob("*.png"))) == 12
    service.close()


def test_the_comic_tab_builds_through_the_queue(config: Config, object_info_core: dict, monkeypatch) -> None:
    from app.services import book_session_service
    from app.services.book_session_service import book_folder, panel_views, run_build

    monkeypatch.setattr(book_session_service, "panel_blocker", lambda *_a: "")  # the fake backends can draw panels

    backends = [FakeBackend(f"b{i}", seconds=0.2, object_info=object_info_core) for i in range(2)]
    service = QueueService(config)
    worker = Worker(
        config,
        specs=[BackendSpec(b.name, b.url, 1) for b in backends],
        worker_id="w1",
        client_factory=fake_pool_factory(backends),
    )
    worker.start()
    try:
        out = book_folder(service.output_dir, "Pool Test")
        updates = list(run_build(config, "http://unused", book_script(2, 2), out, queue=service))
        assert updates[-1].done and updates[-1].error is None, updates[-1]
        assert updates[0].message.startswith("queued as job ")
        places = [u.progress for u in updates if u.progress is not None and u.progress.panels_total]
        assert places and all(
            p.text.startswith("panels ") and 0 < p.fraction < 1 for p in places
        )  # the bar moves with panels
        assert [(v.page, v.panel, v.status) for v in panel_views(out)] == [
            (1, 1, "done"),
            (1, 2, "done"),
            (2, 1, "done"),
            (2, 2, "done"),
        ]
        again = list(run_build(config, "http://unused", book_script(2, 2), out, queue=service, regenerate="2:1"))
        assert again[-1].error is None, again[-1]
        outside = list(run_build(config, "http://unused", book_script(2, 2), Path("/tmp"), queue=service))
        assert outside[-1].error and "not inside the output folder" in outside[-1].error
    finally:
        worker.stop()
        service.close()
    children = [job for job in service.store.list(JobQuery(kind="book_render", limit=100)).items]
    assert len(children) == 5  # four panels, then the regenerated one
