"""Build gates that touch lettering: a build whose lettering does not fit exits 1 (as compose does),
and the style-outlier figure names the right panel when an earlier panel has no art."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PIL import Image

from app.book.build_types import BuildResult
from app.book.page_step import _figures
from app.book.pages import LetteringProblem, compose_and_export
from app.comic.model import Balloon, Book, Page, Panel


def _record(page: int, panel: int, image: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        page=page,
        panel=panel,
        image=image,
        app_overhead_ms=None,
        attempts=[],
        identity_passed=None,
        quality_passed=None,
        retries=0,
        repairs=0,
    )


def test_style_outlier_names_the_panel_even_when_an_earlier_one_failed() -> None:
    records = [_record(1, 1, None), _record(1, 2, "a.png"), _record(1, 3, "b.png"), _record(2, 1, "c.png")]
    grey = Image.new("RGB", (64, 64), (120, 120, 120))
    images = [grey, grey.copy(), Image.new("RGB", (64, 64), (250, 20, 200))]  # page 2 panel 1 stands out
    figures = _figures(records, images, [], 1.0)  # type: ignore[arg-type]
    assert figures["style_outlier"].startswith("page 2 panel 1 ")


def test_lettering_that_does_not_fit_is_a_build_error(tmp_path: Path) -> None:
    long = " ".join(["unbelievable"] * 150)
    book = Book(
        title="t",
        page_size="a5",
        dpi=72,
        pages=[
            Page(
                number=1,
                layout="grid-3x3",
                panels=[
                    Panel(number=n, dialogue=[Balloon(speaker="A", text=long if n == 1 else "Hi.")])
                    for n in range(1, 10)
                ],
            )
        ],
    )
    _files, warnings, _images = compose_and_export(book, {}, tmp_path, ["png"])
    problems = [w for w in warnings if isinstance(w, LetteringProblem)]
    assert len(problems) == 1 and "does not fit" in problems[0]
    result = BuildResult(tmp_path, [], [], [], {}, tmp_path / "report.md", {}, warnings)
    assert result.lettering_errors == problems


def test_comic_build_exits_1_on_lettering_errors(tmp_path: Path, monkeypatch, capsys) -> None:
    import app.services.book_build_service as service
    from app.book.build_log import summary_of
    from app.jobs.models import Job
    from main import main

    figures = {"panels": 1, "style_consistency": None}
    result = BuildResult(
        tmp_path,
        [],
        [],
        [],
        {},
        tmp_path / "report.md",
        figures,
        [LetteringProblem("Page 1 panel 1, A (item 1): the text does not fit")],
    )
    job = Job(id="book1", kind="book", status="succeeded", created_at=0.0, updated_at=0.0)
    outcome = service.BookBuildOutcome(job=job, summary=summary_of(job.id, result))  # the queued book's summary.json
    monkeypatch.setattr(service, "build_on_queue", lambda *a, **k: outcome)
    script = tmp_path / "s.txt"
    script.write_text("Title: t\nPAGE 1\nPANEL 1\n")
    assert (
        main(["comic", "build", str(script), "--out", str(tmp_path / "out"), "--comfyui-url", "http://127.0.0.1:1"])
        == 1
    )
    assert "lettering could not be set" in capsys.readouterr().err


class _ColourEmbedder:
    """A face 'embedding' that is the crop's mean colour: red and blue faces are told apart."""

    def embed_largest_face(self, rgb):

        return rgb.reshape(-1, 3).mean(axis=0) - 128.0


def test_faces_are_named_from_the_character_library() -> None:
    import numpy as np

    from app.book.gates import face_identifier
    from app.comic.detect import ArtRegions, with_detected_faces

    art = Image.new("RGB", (400, 200), (128, 128, 128))
    art.paste((230, 30, 30), (40, 40, 120, 120))  # a red face on the left
    art.paste((30, 30, 230), (260, 40, 340, 120))  # a blue face on the right
    boxes = ((0.1, 0.2, 0.3, 0.6), (0.65, 0.2, 0.85, 0.6))
    references = {"ROSA": [np.array([102.0, -98.0, -98.0])], "BLUE": [np.array([-98.0, -98.0, 102.0])]}
    identify = face_identifier(_ColourEmbedder(), references, 0.5)
    assert identify(art, boxes, ["BLUE", "ROSA"]) == {0: "ROSA", 1: "BLUE"}
    assert identify(art, boxes, ["ROSA"]) == {0: "ROSA"}
    # the library beats the listing order (which would give BLUE the left face)
    panel = Panel(number=1, characters=["BLUE", "ROSA"], dialogue=[Balloon(speaker="ROSA", text="Hi")])
    named = with_detected_faces(panel, ArtRegions(faces=boxes), identify(art, boxes, ["BLUE", "ROSA"]))
    assert named.faces["ROSA"].left == 0.1 and named.faces["BLUE"].left == 0.65
    assert with_detected_faces(panel, ArtRegions(faces=boxes)).faces["BLUE"].left == 0.1
