"""`comic build` / `comic sheet` argument errors: one sentence, non-zero exit, nothing contacted or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["comic", "build", "s.txt", "--out", "o", "--seed", "3"],
            "error: --seed and --prompt apply to one panel; add --regenerate PAGE:PANEL.",
        ),
        (
            ["comic", "build", "s.txt", "--out", "o", "--regenerate", "two"],
            "error: 'two' does not name a panel; write PAGE:PANEL, e.g. 1:2.",
        ),
        (
            ["comic", "build", "s.txt", "--out", "o", "--max-side", "32"],
            "error: --max-side 32 is too small; use 64 or more.",
        ),
        (
            ["comic", "build", "s.txt", "--out", "o", "--format", "gif"],
            "error: Unknown export format gif; use a comma-separated list of:",
        ),
        (
            ["comic", "sheet", "maya", "--size", "big"],
            "error: --size 'big' is not WIDTHxHEIGHT with both at least 64, e.g. 1024x512.",
        ),
        (
            ["comic", "sheet", "maya", "--family", "wan22_ti2v_5b"],
            "error: there is no image model family 'wan22_ti2v_5b'; use one of: sd15, sdxl,",
        ),
    ],
)
def test_bad_arguments_are_one_sentence(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) != 0
    assert capsys.readouterr().err.strip().startswith(message)
    assert not (tmp_path / "o").exists()


def test_a_missing_script_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(
            [
                "comic",
                "build",
                str(tmp_path / "absent.txt"),
                "--out",
                str(tmp_path / "o"),
                "--comfyui-url",
                "http://127.0.0.1:9",
            ]
        )
        != 0
    )
    err = capsys.readouterr().err
    assert "absent.txt" in err and "the file does not exist" in err
    assert not (tmp_path / "o" / "build.json").exists()
