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
    failed = job(
        status="failed", progress=0.456, errors=[JobError(at=1, attempt=1, kind="permanent", message="node 5 broke")]
    )
    row = queue_view.job_rows([failed], now=130.0)[0]
    assert row[:5] == ["01234567", "workflow", "workflow", "failed", "46%"]
    assert row[8] == "20s ago" and row[9] == "node 5 broke"


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
    done = job(
        status="succeeded",
        outputs=[
            JobOutput(node_id="9", filename="a.png", path="jobs/a.png"),
            JobOutput(node_id="9", filename="gone.png", path="jobs/gone.png"),
            JobOutput(node_id="9", filename="v.mp4", path="jobs/v.mp4", kind="video"),
        ],
    )
    from app.services.gallery_service import media

    assert media(done, tmp_path) == [tmp_path / "jobs" / "a.png", tmp_path / "jobs" / "v.mp4"]  # the gallery's files
    table = queue_view.jobs_table_html([done], tmp_path)
    assert 'class="queue-thumb"' in table and "data:image/jpeg;base64," in table


def test_metadata_has_settings_and_duration():
    done = job(status="succeeded", parameters={"workflow": "panel"}, started_at=120.0, finished_at=123.5)
    meta = queue_view.job_metadata(done)
    assert meta["parameters"] == {"workflow": "panel"} and meta["duration_s"] == 3.5


def test_jobs_are_named_by_what_they_are():
    workflow = job(
        parameters={
            "workflow": "workflows/panel.json",
            "overrides": {"prompt": "a lighthouse keeper climbs the stairs at dawn with a lamp"},
        }
    )
    assert queue_view.job_name(workflow) == "panel · “a lighthouse keeper climbs the stairs…”"
    book = job(kind="book", parameters={"script": "/lib/scripts/harbour.yaml"})
    assert queue_view.job_name(book) == "book harbour"
    panel = job(parameters={"workflow": "panel", "book": "Harbour", "page": 2, "panel": 3, "capability": "img2img"})
    assert queue_view.job_name(panel) == "panel · img2img · Harbour · 2:3"
    prompt = job(
        kind="prompt",
        parameters={
            "prompt": {
                "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "red fox"}},
                "9": {"class_type": "SaveImage", "inputs": {}},
            }
        },
    )
    assert queue_view.job_name(prompt) == "prompt (2 nodes) · “red fox”"
    assert queue_view.job_label(prompt).endswith(" · queued · 01234567")
    assert queue_view.short_id("0123456789abcdef.fedcba9876543210") == "01234567.fedcba98"


def test_errors_are_one_sentence_with_details_on_demand():
    message = (
        "Prompt outputs failed validation. Required input is missing: model\n"
        "KSampler 3: Required input is missing: model\nKSampler 3: Required input is missing: model"
    )
    assert queue_view.error_summary(message) == "Prompt outputs failed validation."
    block = queue_view.error_html(message)
    assert block.startswith('<details class="queue-error"><summary>Prompt outputs failed validation.</summary>')
    assert block.count("KSampler 3: Required input is missing: model") == 1  # repeated lines once
    assert len(queue_view.error_summary("x" * 500)) == queue_view.ERROR_SUMMARY_CHARS
    assert queue_view.error_html("short.") == '<div class="queue-error">short.</div>'


def test_filters_by_status_group_and_batch():
    jobs = [
        job(id="a1", status="running", batch_id="b1"),
        job(id="a2", status="failed", batch_id="b1"),
        job(id="a3", status="succeeded"),
        job(id="a4", status="cancelled", batch_id="b2"),
    ]
    ids = lambda selected: [j.id for j in selected]  # noqa: E731
    assert ids(queue_view.filter_jobs(jobs, "running", "")) == ["a1"]
    assert ids(queue_view.filter_jobs(jobs, "failed", "")) == ["a2", "a4"]
    assert ids(queue_view.filter_jobs(jobs, "done", None)) == ["a3"]
    assert ids(queue_view.filter_jobs(jobs, "all", "b1")) == ["a1", "a2"]
    assert queue_view.batch_choices(jobs) == ["b1", "b2"]
