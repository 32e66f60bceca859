"""`python main.py clip PANEL --out CLIP.mp4` on a live stock ComfyUI with the tiny Wan 2.2 TI2V-5B files.

The command runs in its own process (as a user runs it) against a server that has only the 5B family of
tests/integration/family_fixtures.py, so `--model auto` must take workflows/wan22_image_to_video.json with the
backend's own file names; --seconds 0.5 at 16 fps asks for 8 frames, which Wan makes as 4n+1 = 9. The clip must be
an H.264 MP4 of the asked size and length with its provenance tags and run record beside it; asking for the 14B model
that the server lacks is refused in one sentence. One big server, stopped after the test.
Needs COMFYUI_PATH + COMFYUI_PYTHON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.media import iter_frames, probe, read_tags

from .test_families_live import family_backend

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
REPO = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT, FRAMES, FPS = 96, 64, 9, 16


def clip_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "clip", *args, "--comfyui-url", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1500,
    )


def test_clip_command_on_wan22_ti2v_5b(tmp_path: Path) -> None:
    panel = tmp_path / "panel.png"
    ramp = np.linspace(0, 255, 150, dtype=np.uint8)
    Image.fromarray(np.stack([np.tile(ramp, (100, 1))] * 3, axis=-1)).save(panel)  # 150 x 100, 3:2 like the clip
    out = tmp_path / "clips" / "panel1.mp4"
    (tmp_path / "server").mkdir()
    with family_backend("wan22_5b", tmp_path / "server") as client:
        started = time.monotonic()
        done = clip_cli(
            client.base_url,
            str(panel),
            "--out",
            str(out),
            "--prompt",
            "she waves",
            "--seconds",
            "0.5",
            "--seed",
            "7",
            *("--set", f"fps={FPS}", "--set", f"width={WIDTH}", "--set", f"height={HEIGHT}", "--set", "steps=2"),
        )
        seconds = round(time.monotonic() - started, 1)
        refused = clip_cli(client.base_url, str(panel), "--out", str(tmp_path / "x.mp4"), "--model", "wan22_i2v_14b")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Image to video runs wan22_image_to_video with the wan22_ti2v_5b model family." in done.stdout
    assert f"{out}: {FRAMES} frames at {FPS} fps (0.6 s), {WIDTH} x {HEIGHT}" in done.stdout
    video = probe(out)
    assert (video.width, video.height, video.frame_count, video.fps, video.codec) == (
        WIDTH,
        HEIGHT,
        FRAMES,
        Fraction(FPS),
        "h264",
    )
    pixels = np.stack(list(iter_frames(out)))
    assert pixels.shape == (FRAMES, HEIGHT, WIDTH, 3) and pixels.std() > 0
    assert read_tags(out)["operation"] == "workflow wan22_image_to_video"
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["outputs"][0]["file"] == "panel1.mp4" and "frames=9" in record["parameters"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["panel1.json", "panel1.mp4"]
    assert refused.returncode == 1 and refused.stderr.strip().splitlines()[-1] == (
        "error: Wan 2.2 14B image to video is not on this backend: no model file names it; "
        "choose another --model or add its files."
    )
    print(f"\n[clip on wan22_5b] {seconds} s for {FRAMES} frames")
