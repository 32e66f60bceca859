"""Motion comic: camera path, balloon timing and a real (small) render checked frame by frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.comic.script import parse_script
from app.media import probe, read_frame
from app.motion.camera import Shot, fit_rect, interpolate, sample_camera, total_duration
from app.motion.motion_comic import MotionComicError, MotionComicOptions, render_motion_comic

SCRIPT = """Title: Test
Page size: a5
DPI: 100

PAGE 1

PANEL 1. A red room.
MAYA: Hello there, this is the first balloon.

PANEL 2. A green room.
TOM: Second.
TOM: And a third one, read after the second.
"""
COLOURS = {1: (200, 30, 30), 2: (30, 170, 60)}


@pytest.fixture(scope="module")
def book():
    return parse_script(SCRIPT)


def art(book):
    return {(1, n): Image.new("RGB", (400, 300), COLOURS[n]) for n in (1, 2)}


def test_fit_rect_keeps_aspect_and_covers_box():
    rect = fit_rect((100, 100, 300, 200), 16 / 9, (1000, 1000), margin=0.0)
    assert (rect[2] - rect[0]) / (rect[3] - rect[1]) == pytest.approx(16 / 9)
    assert rect[0] <= 100 and rect[2] >= 300 and rect[1] <= 100 and rect[3] >= 200


def test_camera_moves_then_holds():
    a, b = (0, 0, 160, 90), (100, 100, 180, 145)
    shots = [Shot(a, 0, 1.0), Shot(b, 1.0, 2.0, panel_number=1)]
    assert total_duration(shots) == 4.0
    assert sample_camera(shots, 0.5).rect == a
    middle = sample_camera(shots, 1.5)
    assert middle.time_in_hold is None and 0 < middle.move_progress < 1
    assert a[0] < middle.rect[0] < b[0]
    held = sample_camera(shots, 3.0)
    assert held.rect == b and held.time_in_hold == pytest.approx(1.0)
    assert interpolate(a, b, 1.0) == pytest.approx(b)


def test_render_follows_panels_in_reading_order(book, tmp_path):
    options = MotionComicOptions(width=320, height=180, fps=10, intro_s=0.5, outro_s=0.5, move_s=0.4, fade_s=0.0)
    out = tmp_path / "page.mp4"
    result = render_motion_comic(book, art(book), out, options=options)
    info = probe(out)
    assert (info.width, info.height) == (320, 180)
    assert result.frames == round(result.duration_s * 10)
    assert [p.panel_number for p in result.panels] == [1, 2]
    first, second = result.panels
    assert first.end_s < second.start_s
    # holding on a panel, its art fills the middle of the frame (dimmed neighbours aside)
    for timing in result.panels:
        frame = read_frame(out, at_seconds=timing.start_s + 0.05)
        centre = frame[60:120, 100:220].reshape(-1, 3).astype(int)
        expected = np.array(COLOURS[timing.panel_number])
        share = np.mean(np.abs(centre - expected).sum(axis=1) < 60)
        assert share > 0.5, f"panel {timing.panel_number} not in view"


def test_balloons_appear_one_after_another(book, tmp_path):
    options = MotionComicOptions(
        width=320,
        height=180,
        fps=10,
        intro_s=0.3,
        outro_s=0.3,
        move_s=0.3,
        fade_s=0.0,
        balloon_lead_s=0.5,
        words_per_second=2.0,
        dim_others=0.0,
    )
    out = tmp_path / "page.mp4"
    result = render_motion_comic(book, art(book), out, options=options)
    panel_one = result.panels[0]
    before = read_frame(out, at_seconds=panel_one.start_s + 0.1)
    after = read_frame(out, at_seconds=panel_one.start_s + 0.9)
    white = lambda frame: int(np.sum(frame.min(axis=2) > 235))  # noqa: E731 - balloon fill is white
    assert white(after) > white(before) + 300


def test_unknown_page_and_bad_options(book, tmp_path):
    with pytest.raises(MotionComicError, match="the book has no page 7; it has pages 1."):
        render_motion_comic(book, {}, tmp_path / "x.mp4", page_numbers=[7])
    with pytest.raises(MotionComicError, match="output size 321x180 must be even"):
        render_motion_comic(book, {}, tmp_path / "x.mp4", options=MotionComicOptions(width=321, height=180))
    with pytest.raises(MotionComicError, match="clip .*nope.mp4 for page 1 panel 2 does not exist."):
        render_motion_comic(book, {}, tmp_path / "x.mp4", panel_clips={(1, 2): Path("nope.mp4")})


def test_a_panel_clip_plays_inside_its_frame(book, tmp_path):
    from fractions import Fraction

    from app.media import EncodeOptions, encode_frames

    clip = encode_frames(
        (np.full((96, 128, 3), (20, 40, 220), np.uint8) for _ in range(12)),
        tmp_path / "clip.mp4",
        EncodeOptions(fps=Fraction(10)),
    )
    options = MotionComicOptions(width=320, height=180, fps=10, intro_s=0.3, outro_s=0.3, move_s=0.3, dim_others=0.0)
    out = tmp_path / "page.mp4"
    result = render_motion_comic(book, art(book), out, options=options, panel_clips={(1, 2): clip})
    frame = read_frame(out, at_seconds=result.panels[1].start_s + 0.2)
    centre = frame[60:120, 100:220].reshape(-1, 3).astype(int)
    assert np.mean(np.abs(centre - np.array([20, 40, 220])).sum(axis=1) < 80) > 0.5


def test_cli_animate_end_to_end(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "s.txt"
    script.write_text(SCRIPT)
    panels = tmp_path / "panels"
    panels.mkdir()
    Image.new("RGB", (300, 200), COLOURS[1]).save(panels / "p01_panel01.png")
    repo = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        "main.py",
        "comic",
        "animate",
        str(script),
        "--panels",
        str(panels),
        "--out",
        str(tmp_path / "m.mp4"),
        "--size",
        "256x144",
        "--fps",
        "6",
    ]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 panel image(s) missing (page 1 panel 2)" in done.stderr
    assert probe(tmp_path / "m.mp4").width == 256
    again = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1
    assert again.stderr.strip().endswith("m.mp4 already exists; choose another --out or pass --overwrite.")
