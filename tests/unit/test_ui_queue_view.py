"""How jobs look in the Queue tab."""

from __future__ import annotations

from PIL import Image

from app.jobs.models import Job, JobError, JobOutput
from app.ui import queue_view


def job(**changes) -> Job:
    data = {"id": "0123456789abcdef", "kind": "workflow", "created_at": 100.0, "updated_at": 110.0}
    data.update(changes)
    return Job(**data)


def test_rows_show_short_id_percent_and_last_error():
    failed = job(status="failed", progress=0.456, errors=[JobError(at=1, attempt=1, kind="permanent", message="node 5 broke")])
    row = queue_view.job_rows([failed], now=130.0)[0]
    assert row[:4] == ["01234567", "workflow", "failed", "46%"]
    assert row[7] == "20s ago" and row[8] == "node 5 broke"


def test_progress_cards_escape_text_and_show_the_bar():
    running = job(status="running", progress=0.5, progress_text="<b>node 3</b>", backend="gpu-1")
    html = queue_view.progress_cards_html([running])
    assert '<progress max="100" value="50"' in html
    assert "&lt;b&gt;node 3&lt;/b&gt;" in html and "<b>node 3</b>" not in html
    assert "gpu-1" in html


def test_no_jobs_is_said_plainly():
    assert "No jobs are queued or running" in queue_view.progress_cards_html([])


def test_gallery_lists_existing_image_and_video_outputs_only(tmp_path):
    (tmp_path / "jobs").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "jobs" / "a.png")
    (tmp_path / "jobs" / "v.mp4").write_bytes(b"\0")
    done = job(status="succeeded", outputs=[
        JobOutput(node_id="9", filename="a.png", path="jobs/a.png"),
        JobOutput(node_id="9", filename="gone.png", path="jobs/gone.png"),
        JobOutput(node_id="9", filename="v.mp4", path="jobs/v.mp4", kind="video"),
    ])
    assert queue_view.gallery_items([done], tmp_path) == [(str(tmp_path / "jobs" / "a.png"), "workflow · 01234567"),
                                                          (str(tmp_path / "jobs" / "v.mp4"), "workflow · 01234567")]


def test_metadata_has_settings_and_duration():
    done = job(status="succeeded", parameters={"workflow": "panel"}, started_at=120.0, finished_at=123.5)
    meta = queue_view.job_metadata(done)
    assert meta["parameters"] == {"workflow": "panel"} and meta["duration_s"] == 3.5
