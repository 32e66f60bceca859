"""'Make a clip' under the Comic tab's panel strip: the picked panel's art goes to make_clip; the log, then the clip."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("gradio")

from app.services import capability_service, comic_workspace_service, panel_clip_service  # noqa: E402
from app.services.panel_clip_service import ClipReport, PanelClipError  # noqa: E402
from app.services.run_events import ProgressEvent  # noqa: E402
from app.ui.components import panel_clip  # noqa: E402
from app.workflows.video_choice import VideoChoice  # noqa: E402


@pytest.fixture
def context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    art = tmp_path / "p1-2.png"
    art.write_bytes(b"png")
    cards = [SimpleNamespace(ref="1:1", image=None), SimpleNamespace(ref="1:2", image=art)]
    monkeypatch.setattr(comic_workspace_service, "panel_cards", lambda output_dir, script, draft: cards)
    config = SimpleNamespace(comfyui=SimpleNamespace(timeouts=None))
    unknown = capability_service.BackendCapabilities("http://x", error="Cannot reach ComfyUI.")  # the run tells
    monkeypatch.setattr(capability_service, "check", lambda url, **_: unknown)
    return SimpleNamespace(output_dir=tmp_path / "out", comfyui_url="http://x", config=config)


def test_the_picked_panel_becomes_a_clip(context, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []

    def make_clip(request, url, timeouts, on_event):
        asked.append(request)
        on_event(ProgressEvent(prompt_id="p", node="25", value=1, max=2))
        choice = VideoChoice("image_to_video", "wan22_i2v_14b", "wan22_i2v_14b")
        return ClipReport(request.out, None, choice, 49, Fraction(16), 784, 528)

    monkeypatch.setattr(panel_clip_service, "make_clip", make_clip)
    updates = list(panel_clip.make(context, "script", None, " 1:2 ", "she waves", 3))
    assert asked[0].panel.name == "p1-2.png" and asked[0].prompt == "she waves" and asked[0].seconds == 3.0
    assert asked[0].out.parent == context.output_dir / "clips" and asked[0].out.name.startswith("panel1-2-")
    assert all(u[1] is None for u in updates[:-1]) and "Working" in updates[1][0]
    assert updates[-1][1] == str(asked[0].out)
    assert "Image to video runs wan22_i2v_14b" in updates[-1][0] and "49 frames at 16 fps, 784 x 528" in updates[-1][0]


def test_a_panel_without_art_or_a_refusal_is_one_sentence(context, monkeypatch: pytest.MonkeyPatch) -> None:
    [update] = list(panel_clip.make(context, "script", None, "1:1", "", 3))
    assert update[1] is None and "Pick a panel that has art in the strip first" in update[0]

    def refuse(request, url, timeouts, on_event):
        raise PanelClipError("--seconds 30 is not allowed; use more than 0 and at most 10.")

    monkeypatch.setattr(panel_clip_service, "make_clip", refuse)
    *_, last = panel_clip.make(context, "script", None, "1:2", "", 30)
    assert last[1] is None and "--seconds 30 is not allowed" in last[0]


def test_no_clip_is_started_on_a_backend_without_a_video_model(
    context, monkeypatch: pytest.MonkeyPatch, object_info_core: dict
) -> None:
    """Seen in the studio on a stock ComfyUI with only SDXL: the button was live; now it says what is missing."""
    report = capability_service.capabilities_of(object_info_core)
    monkeypatch.setattr(
        capability_service, "check", lambda url, **_: capability_service.BackendCapabilities(url, report)
    )
    started = []
    monkeypatch.setattr(panel_clip_service, "make_clip", lambda *a, **k: started.append(a))
    [update] = list(panel_clip.make(context, "script", None, "1:2", "", 3))
    assert started == [] and update[1] is None
    assert "Image to video cannot run on http://x: needs node pack ComfyUI-VideoHelperSuite" in update[0]
    assert "The notice above says how to get a video model." in update[0]  # the fixes are said once, there
