"""The HTML of the live progress panel and of the gallery's settings table (pure functions, no server)."""

from pathlib import Path

from app.services.gallery_service import OutputSettings
from app.services.progress_service import JobProgress
from app.ui.components.gallery_panel import settings_html
from app.ui.components.live_progress import progress_html


def test_the_live_panel_shows_step_time_left_and_the_preview_inline(tmp_path: Path):
    preview = tmp_path / "preview.jpg"
    preview.write_bytes(b"\xff\xd8jpeg")
    place = JobProgress(
        "abcdef0123",
        "running",
        0.42,
        "KSampler (node 3) step 7/16 · about 4 s left <b>",
        step=7,
        steps=16,
        eta_s=4.0,
        preview=preview,
    )
    shown = progress_html(place, "workflows")
    assert 'data-step="7" data-steps="16"' in shown and 'value="42"' in shown and "42%" in shown
    assert "about 4 s left &lt;b&gt;" in shown  # text is escaped
    assert 'id="workflows-live-preview"' in shown and "data:image/jpeg;base64,/9hqcGVn" in shown


def test_the_live_panel_without_steps_or_preview_says_where_the_job_is():
    shown = progress_html(JobProgress("abcdef0123", "failed", 0.1, "failed", error="no backend"), "video")
    assert (
        "live-step" not in shown and "<img" not in shown and "no backend" in shown and 'data-status="failed"' in shown
    )


def test_settings_table_spells_out_nodes_seeds_and_overrides():
    shown = settings_html(
        OutputSettings(
            "j1",
            "workflow",
            "panel",
            {"workflow": "panel", "overrides": {"prompt": "a <cat>", "seed": 9}},
            {"overrides.seed": 9},
            "b0",
            2.5,
            1.0,
            embedded_nodes=7,
        )
    )
    assert "<th>workflow</th><td>panel</td>" in shown and "a &lt;cat&gt;" in shown
    assert '<th>seed</th><td><span class="gallery-seed">9</span>' in shown and "(7 nodes) is embedded" in shown
    prompt = settings_html(
        OutputSettings(
            "j2",
            "prompt",
            None,
            {"prompt": {"3": {"class_type": "KSampler", "inputs": {"seed": 5, "model": ["1", 0]}}}},
            {"prompt.3.inputs.seed": 5},
            None,
            None,
            None,
        )
    )
    assert "<th>node 3</th><td>KSampler: seed 5</td>" in prompt and "<th>seed (node 3)</th>" in prompt
