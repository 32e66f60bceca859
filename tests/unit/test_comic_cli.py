"""`python main.py comic ...` end to end in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """\
Title: CLI Test
Page size: a5
DPI: 40
Cast:
- MAYA: keeper

PAGE 1
PANEL 1. Rock.
MAYA: Hello there.
PANEL 2. Sea.
SFX: SPLASH
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_compose_writes_pages_and_lists_missing_panels(tmp_path: Path) -> None:
    script = tmp_path / "book.txt"
    script.write_text(SCRIPT)
    panels = tmp_path / "panels"
    panels.mkdir()
    Image.new("RGB", (256, 256), (40, 60, 90)).save(panels / "p01_panel01.png")
    out = tmp_path / "out"
    done = _run(
        "comic", "compose", str(script), "--panels", str(panels), "--out", str(out), "--format", "png,pdf,cbz,contact"
    )
    assert done.returncode == 0, done.stderr
    assert "warning: 1 panel image(s) missing (page 1 panel 2)" in done.stderr
    assert (out / "page_001.png").is_file() and (out / "cli-test.pdf").is_file() and (out / "cli-test.cbz").is_file()


def test_bad_input_is_one_sentence_and_non_zero(tmp_path: Path) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("Title: x\nPAGE 1\nPANEL 1\nShot: sideways\n")
    done = _run("comic", "compose", str(script), "--out", str(tmp_path / "o"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {script} line 4, column 7: unknown shot 'sideways' "
        "(use one of: extreme-wide, wide, full, medium, medium-close, "
        "close-up, extreme-close-up, over-the-shoulder, pov, birds-eye, worms-eye, insert)."
    ]
    good = tmp_path / "good.txt"
    good.write_text(SCRIPT)
    done = _run("comic", "compose", str(good), "--out", str(tmp_path / "o"), "--format", "png,gif")
    assert done.returncode == 1 and done.stderr.strip().startswith("error: Unknown export format gif")


def test_lettering_that_cannot_fit_exits_non_zero_after_writing(tmp_path: Path) -> None:
    script = tmp_path / "long.txt"
    script.write_text(SCRIPT.replace("Hello there.", " ".join(["interminable"] * 80)))
    out = tmp_path / "out"
    done = _run("comic", "compose", str(script), "--out", str(out))
    assert done.returncode == 1
    assert "error: Page 1 panel 1, MAYA (item 1): the text does not fit" in done.stderr
    assert (out / "page_001.png").is_file()


def test_check_and_format(tmp_path: Path) -> None:
    script = tmp_path / "book.txt"
    script.write_text(SCRIPT)
    done = _run("comic", "check", str(script))
    assert done.returncode == 0 and "ok: 'CLI Test', 1 page(s), 2 panel(s)" in done.stdout
    done = _run("comic", "format", str(script))
    assert done.returncode == 0 and "PANEL 1. Rock.\nMAYA: Hello there." in done.stdout
