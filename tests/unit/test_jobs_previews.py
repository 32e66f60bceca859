"""Sampler previews of a running job: kept on disk, throttled, named in the job record, shown on its card."""

from __future__ import annotations

import io
from types import SimpleNamespace

from PIL import Image

from app.comfy.events import BinaryImageEvent
from app.jobs import previews
from app.jobs.previews import PreviewWriter
from app.ui.queue_view import progress_cards_html


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, format="JPEG")
    return out.getvalue()


def test_previews_are_saved_throttled_and_outputs_ignored(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(previews.time, "monotonic", lambda: clock[0])
    writer = PreviewWriter(tmp_path, "job1")
    assert writer.offer(BinaryImageEvent(1, "PNG", b"png output")) is None  # SaveImageWebsocket output, not a preview
    assert writer.offer(object()) is None
    assert writer.offer(BinaryImageEvent(1, "JPEG", jpeg((255, 0, 0)))) == "jobs/job1/preview.jpg"
    assert writer.offer(BinaryImageEvent(1, "JPEG", jpeg((0, 255, 0)))) is None  # within PREVIEW_EVERY_S
    clock[0] += previews.PREVIEW_EVERY_S
    assert writer.offer(BinaryImageEvent(1, "JPEG", jpeg((0, 0, 255)))) == "jobs/job1/preview.jpg"
    with Image.open(tmp_path / "jobs" / "job1" / "preview.jpg") as image:
        assert image.getpixel((8, 8))[2] > 200
    assert not list((tmp_path / "jobs" / "job1").glob(".*partial"))


def test_running_card_shows_its_preview(tmp_path):
    (tmp_path / "jobs" / "j").mkdir(parents=True)
    (tmp_path / "jobs" / "j" / "preview.jpg").write_bytes(jpeg((1, 2, 3)))
    job = SimpleNamespace(
        id="j" * 12,
        kind="workflow",
        status="running",
        progress=0.5,
        progress_text="node 3: 1/2",
        backend="main",
        last_error=None,
        preview="jobs/j/preview.jpg",
    )
    card = progress_cards_html([job], tmp_path)
    assert '<img class="queue-preview"' in card and "data:image/jpeg;base64," in card
    queued = SimpleNamespace(**{**job.__dict__, "status": "queued"})
    assert "queue-preview" not in progress_cards_html([queued], tmp_path)
