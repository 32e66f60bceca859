"""`comic build` goes through the job queue (issue 15): one `book` job, its panels as `book_render` jobs on
every backend, progress printed as panels and pages finish, --resume / --regenerate / --seed / --prompt and
the summary lines as before. In-memory backends (tests/fake_backends.py) stand in for ComfyUI; the same run
on a live ComfyUI: tests/integration/test_book_build_live.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from app.cli import main
from app.config import load_config
from app.jobs import worker as worker_module
from app.jobs.models import JobQuery
from app.services.book_build_service import BookBuildRequest, build_on_queue
from app.services.queue_service import QueueService
from tests.fake_backends import FakeBackend, FakeClient, no_preflight
from tests.unit.test_book_pool import book_script


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch, object_info_core: dict) -> list[FakeBackend]:
    no_preflight(monkeypatch)
    monkeypatch.setattr(worker_module, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(worker_module, "ORPHAN_CHECK_S", 0.5)
    fakes = [FakeBackend(f"b{i}", seconds=0.3, object_info=object_info_core) for i in range(2)]
    by_url = {fake.url: fake for fake in fakes}
    monkeypatch.setattr(
        worker_module, "make_comfy_client", lambda spec, config, health=False: FakeClient(by_url[spec.url])
    )
    return fakes


@pytest.fixture
def config_file(tmp_path: Path, backends: list[FakeBackend]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "app": {"output_dir": str(tmp_path / "outputs"), "library_dir": str(tmp_path / "library")},
                "queue": {
                    "storage": "sqlite",
                    "sqlite_path": str(tmp_path / "data" / "jobs.db"),
                    "retry_backoff_s": 0.1,
                },
                "comfyui": {"url": backends[0].url, "backends": [{"name": b.name, "url": b.url} for b in backends]},
            }
        ),
        encoding="utf-8",
    )
    return path


def test_comic_build_runs_as_a_book_job_on_every_backend(
    config_file: Path, tmp_path: Path, backends: list[FakeBackend], capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "book.txt"
    script.write_text(book_script(2, 2), encoding="utf-8")
    out = tmp_path / "build"  # outside the output folder: the terminal user's own folder
    base = [
        "--config",
        str(config_file),
        "comic",
        "build",
        str(script),
        "--out",
        str(out),
        "--max-side",
        "64",
        "--steps",
        "1",
    ]

    assert main(base) == 0
    printed = capsys.readouterr()
    assert f"{out}: 4 panels (4 generated, 0 reused)" in printed.out and "pdf: " in printed.out
    assert "page 1 composed" in printed.err and "page 2 panel 2: seed" in printed.err
    service = QueueService(load_config(config_file))
    [book] = service.list(JobQuery(kind="book")).items
    assert book.status == "succeeded" and book.parameters["out_dir"] == str(out)
    children = service.list(JobQuery(kind="book_render", limit=100)).items
    assert len(children) == 4 and {c.backend for c in children} == {"b0", "b1"}
    assert sorted(p.name for p in (out / "panels").glob("*.png")) == [
        "p01_panel01.png",
        "p01_panel02.png",
        "p02_panel01.png",
        "p02_panel02.png",
    ]
    assert (out / "report.md").is_file() and (out / "book" / "pool-test.pdf").is_file()
    panels = {p.name: p.read_bytes() for p in (out / "panels").glob("*.png")}

    assert main(base) != 0  # a second plain build into the same folder is refused, nothing queued
    assert "already holds a build of Pool Test; pass --resume" in capsys.readouterr().err

    assert main([*base, "--resume"]) == 0
    assert f"{out}: 4 panels (0 generated, 4 reused)" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in (out / "panels").glob("*.png")} == panels

    assert main([*base, "--regenerate", "1:2", "--seed", "7", "--prompt", "The harbour in fog."]) == 0
    assert "(1 generated, 3 reused)" in capsys.readouterr().out
    after = {p.name: p.read_bytes() for p in (out / "panels").glob("*.png")}
    assert after["p01_panel02.png"] != panels["p01_panel02.png"]
    assert all(after[name] == panels[name] for name in panels if name != "p01_panel02.png")
    record = json.loads((out / "panels" / "p01_panel02.json").read_text())
    assert record["seed"] == 7 and record["overrides"] == {"seed": 7, "prompt": "The harbour in fog."}
    assert len(service.list(JobQuery(kind="book", limit=10)).items) == 3  # the refused build queued nothing
    service.close()


def test_progress_arrives_while_the_book_builds(config_file: Path, tmp_path: Path) -> None:
    script = tmp_path / "book.txt"
    script.write_text(book_script(3, 2), encoding="utf-8")
    seen: list[tuple[float, str]] = []
    outcome = build_on_queue(
        BookBuildRequest(script=script, out_dir=tmp_path / "build", max_side=64, steps=1),
        load_config(config_file),
        on_event=lambda event: seen.append((time.time(), event.kind)),
        timeout_s=120,
    )
    assert outcome.error is None and outcome.summary is not None and outcome.summary.panels == 6
    kinds = [kind for _, kind in seen]
    assert kinds.count("panel") == 6 and kinds.count("page") == 3 and kinds[-1] == "report"
    first_page = next(at for at, kind in seen if kind == "page")
    assert first_page < outcome.job.finished_at - 0.2  # printed as it happened, not replayed at the end


def test_regenerate_needs_a_build_and_checks_before_queueing(config_file: Path, tmp_path: Path) -> None:
    from app.errors import InkframeError

    script = tmp_path / "book.txt"
    script.write_text(book_script(1, 2), encoding="utf-8")
    with pytest.raises(InkframeError, match="holds no build to regenerate a panel of"):
        build_on_queue(
            BookBuildRequest(script=script, out_dir=tmp_path / "none", regenerate="1:1"), load_config(config_file)
        )
    service = QueueService(load_config(config_file))
    assert service.list(JobQuery()).total == 0
    service.close()


def test_the_api_cannot_build_a_book_outside_the_output_folder(config_file: Path, tmp_path: Path) -> None:
    from app.jobs.models import JobSpec
    from app.services.queue_service import SubmissionError

    script = tmp_path / "book.txt"
    script.write_text(book_script(1, 1), encoding="utf-8")
    service = QueueService(load_config(config_file))
    with pytest.raises(SubmissionError, match="parameters.out_dir must be a folder inside the output folder"):
        service.submit(
            [JobSpec(kind="book", parameters={"script": str(script), "out_dir": str(tmp_path / "elsewhere")})]
        )
    service.close()


def test_a_family_is_checked_before_queueing_and_travels_with_the_book_job(tmp_path: Path) -> None:
    from app.errors import InkframeError
    from app.services.book_build_service import job_parameters

    script = tmp_path / "book.txt"
    script.write_text(book_script(1, 2), encoding="utf-8")
    with pytest.raises(InkframeError, match=r"--family 'sd3' is unknown; use one of sd15, sdxl"):
        job_parameters(BookBuildRequest(script=script, out_dir=tmp_path / "out", family="sd3"))
    parameters = job_parameters(BookBuildRequest(script=script, out_dir=tmp_path / "out", family="flux1_dev"))
    assert parameters["family"] == "flux1_dev"
