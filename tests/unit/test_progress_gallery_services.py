"""Live progress (progress_service) and the gallery (gallery_service) on a real SQLite queue, no worker."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from app.config import Config
from app.jobs.context import child_batch
from app.jobs.models import Job, JobOutput, JobSpec, LiveProgress, now
from app.services import gallery_service, progress_service
from app.services.queue_service import QueueService

PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 4}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}},
}


@pytest.fixture
def queue(tmp_path: Path):
    config = Config.model_validate(
        {"app": {"output_dir": str(tmp_path / "out")}, "queue": {"sqlite_path": str(tmp_path / "jobs.db")}}
    )
    service = QueueService(config)
    yield service
    service.close()


def update(queue: QueueService, job_id: str, **changes) -> Job:
    return queue.store.mutate(job_id, lambda cur: cur.model_copy(update=changes))


def finish(queue: QueueService, job: Job, name: str, finished_at: float, embed: dict | None = None) -> Job:
    folder = queue.output_dir / "jobs" / job.id
    folder.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    if embed:
        info.add_text("prompt", json.dumps(embed))
    Image.new("RGB", (8, 8), (9, 9, 9)).save(folder / name, pnginfo=info)
    output = JobOutput(node_id="9", filename=name, path=f"jobs/{job.id}/{name}")
    return update(
        queue, job.id, status="succeeded", outputs=[output], started_at=finished_at - 3, finished_at=finished_at
    )


def test_a_running_job_shows_its_step_time_left_and_preview(queue):
    (job,) = queue.submit([JobSpec(kind="prompt", parameters={"prompt": PROMPT})])
    preview = queue.output_dir / "jobs" / job.id / "preview.jpg"
    preview.parent.mkdir(parents=True)
    preview.write_bytes(b"\xff\xd8jpeg")
    update(
        queue,
        job.id,
        status="running",
        progress=0.5,
        progress_text="KSampler (node 3) step 2/4 · about 2 s left",
        live=LiveProgress(step=2, steps=4, node="3", rate=1.0, eta_s=2.0),
        preview=f"jobs/{job.id}/preview.jpg",
    )
    place = progress_service.snapshot(queue, job.id[:8])
    assert (place.status, place.percent, place.step, place.steps, place.eta_s) == ("running", 50, 2, 4, 2.0)
    assert place.preview == preview and not place.terminal
    update(queue, job.id, preview="../../etc/passwd")  # a record never makes the UI read outside the outputs
    assert progress_service.snapshot(queue, job.id).preview is None


def test_cancel_stops_a_queued_job(queue):
    (job,) = queue.submit([JobSpec(kind="prompt", parameters={"prompt": PROMPT})])
    place = progress_service.cancel(queue, job.id)
    assert place.status == "cancelled" and place.terminal and place.error == "cancelled by the user"


def test_a_book_moves_with_its_panels():
    stamp = now()
    book = Job(
        id="b" * 32,
        kind="book",
        status="running",
        progress_text="page 1 composed",
        created_at=stamp - 10,
        updated_at=stamp,
        started_at=stamp - 10,
    )
    children = [
        Job(
            id=f"{'b' * 32}.{i:028d}",
            kind="book_render",
            batch_id=child_batch(book),
            created_at=stamp,
            updated_at=stamp + i,
            status=status,
            progress=progress,
            live=LiveProgress(step=3, steps=12) if status == "running" else None,
        )
        for i, (status, progress) in enumerate(
            [("succeeded", 1.0), ("succeeded", 1.0), ("running", 0.25), ("queued", 0)]
        )
    ]
    place = progress_service.of_book(book, children, Path("/nonexistent"), now=stamp)
    assert (place.panels_done, place.panels_total, place.step, place.steps) == (2, 4, 3, 12)
    assert 0.5 < place.fraction < 0.6  # (2 + 0.25) / 4 of the 90 % the panels fill
    assert place.text.startswith("panels 2/4 done · panel step 3/12 · page 1 composed · about")
    assert place.eta_s == pytest.approx(10 / 2.25 * 1.75)


def test_the_gallery_lists_newest_first_and_shows_settings_with_the_embedded_prompt(queue):
    first, second = queue.submit(
        [
            JobSpec(kind="prompt", parameters={"prompt": PROMPT}, priority=3),
            JobSpec(kind="prompt", parameters={"prompt": PROMPT}),
        ]
    )
    finish(queue, first, "a.png", 1000.0, embed=PROMPT)
    finish(queue, second, "b.png", 2000.0)
    listed = gallery_service.items(queue, caption=lambda job: job.id[:4])
    assert [item.path.name for item in listed] == ["b.png", "a.png"]
    shown = gallery_service.settings(queue, first.id)
    assert shown.seeds == {"prompt.3.inputs.seed": 5} and shown.embedded_nodes == 2 and shown.duration_s == 3.0
    assert gallery_service.settings(queue, second.id).embedded_nodes == 0


def test_rerun_keeps_the_seed_or_draws_a_new_one(queue):
    (job,) = queue.submit([JobSpec(kind="prompt", parameters={"prompt": PROMPT}, priority=3)])
    finish(queue, job, "a.png", 1000.0)
    same = gallery_service.rerun(queue, job.id)
    assert same.parameters == job.parameters and same.priority == 3 and same.id != job.id
    fresh = gallery_service.rerun(queue, job.id, new_seed=True, rng=random.Random(1))
    assert fresh.parameters["prompt"]["3"]["inputs"]["seed"] == random.Random(1).randint(0, gallery_service.SEED_MAX)
    assert fresh.parameters["prompt"]["3"]["inputs"]["steps"] == 4 and PROMPT["3"]["inputs"]["seed"] == 5


def test_a_workflow_job_without_a_seed_override_gets_one_for_the_workflows_seed_parameter(queue):
    job = Job(
        id="w1",
        kind="workflow",
        parameters={"workflow": "panel", "overrides": {"prompt": "a cat"}},
        created_at=1.0,
        updated_at=1.0,
    )
    drawn = gallery_service.with_new_seeds(job, random.Random(2))
    assert drawn["overrides"]["prompt"] == "a cat" and isinstance(drawn["overrides"]["seed"], int)
    with pytest.raises(gallery_service.GalleryError, match="name no seed"):
        gallery_service.with_new_seeds(Job(id="c1", kind="collect", created_at=1.0, updated_at=1.0), random.Random(2))


def test_a_run_followed_directly_reads_its_events_as_step_lines():
    from app.comfy.events import ProgressEvent, StatusEvent

    read = progress_service.event_reader()
    assert read(StatusEvent(1)) is None
    assert read(ProgressEvent("p", "3", 1, 20)) == "node 3 step 1/20"
