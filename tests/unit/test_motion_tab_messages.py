"""The Motion tab's worker thread reports through typed messages: log lines, then the result or one sentence."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("gradio")

from app.errors import InkframeError  # noqa: E402
from app.services import motion_service  # noqa: E402
from app.ui.components import motion_tab  # noqa: E402


def test_lines_then_the_result(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def preview(request, on_frame):
        for n in (10, 15, 20):
            on_frame(n)
        return motion_service.MotionReport(out=request.out, preview=tmp_path / "poses.mp4", frames=20, notes=["ok"])

    monkeypatch.setattr(motion_service, "run_pose_preview", preview)
    updates = list(
        motion_tab.run(
            SimpleNamespace(output_dir=tmp_path), str(tmp_path / "ref.mp4"), None, "pose-preview", "", 1, False
        )
    )
    assert [u[1] for u in updates] == [None, None, str(tmp_path / "poses.mp4")]
    # the newest line replaces the one before (a sampler's step line reads "step 7/16 · about 4 s left")
    assert "Working: frame 10" in updates[0][0] and "Working: frame 20" in updates[1][0]
    assert "Done: 20 frames" in updates[-1][0] and "<li>ok</li>" in updates[-1][0]


def test_a_failure_is_its_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def preview(request, on_frame):
        raise InkframeError("the reference video has no frames.")

    monkeypatch.setattr(motion_service, "run_pose_preview", preview)
    [update] = list(
        motion_tab.run(
            SimpleNamespace(output_dir=tmp_path), str(tmp_path / "ref.mp4"), None, "pose-preview", "", 1, False
        )
    )
    assert update[1] is None and "the reference video has no frames." in update[0]


def test_the_engine_goes_to_the_pose_method_only_and_the_workflow_is_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engines = []

    def animate(request, url, timeouts, on_event):
        engines.append(request.engine)
        return motion_service.MotionReport(out=request.out, frames=9, workflow="wan22_pose_control")

    monkeypatch.setattr(motion_service, "run_on_comfyui", animate)
    context = SimpleNamespace(output_dir=tmp_path, comfyui_url="http://x", config=SimpleNamespace(comfyui=None))
    context.config.comfyui = SimpleNamespace(timeouts=None)
    for method in ("pose", "portrait"):
        *_, done = motion_tab.run(
            context, str(tmp_path / "r.mp4"), str(tmp_path / "t.png"), method, "", 1, False, "wan"
        )
    assert engines == ["wan", "auto"]
    assert "Done: 9 frames with wan22_pose_control" in done[0]
