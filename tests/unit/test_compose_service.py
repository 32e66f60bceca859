"""Composing pages from uploaded panel images, editing balloons, exporting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from app.services import compose_service
from app.services.compose_service import BalloonEdit, ComposeError

SCRIPT = """Title: Test
Page size: a5
DPI: 72

PAGE 1

PANEL 1. A street.
MAYA: Hello there.
CAPTION: Morning.

PANEL 2. A door.
TOM: Who is it?
"""


def images(folder: Path, names: list[str]) -> list[Path]:
    paths = []
    for index, name in enumerate(names):
        path = folder / name
        Image.new("RGB", (300, 400), (50 * index % 255, 100, 150)).save(path)
        paths.append(path)
    return paths


def test_images_alone_make_pages_of_n_panels(tmp_path):
    draft = compose_service.start_draft(
        images(tmp_path, [f"i{i}.png" for i in range(5)]), tmp_path / "work", page_size="a5", dpi=72, panels_per_page=2
    )
    assert [len(p.panels) for p in draft.book.pages] == [2, 2, 1]
    assert [p.name for p in draft.page_paths()] == ["page-001.png", "page-002.png", "page-003.png"]
    assert all(path.parent == tmp_path / "work" / "art" for path in draft.art.values())


def test_named_images_are_pinned_and_others_fill_in_order(tmp_path):
    paths = images(tmp_path, ["zzz.png", "p01_panel01.png"])
    draft = compose_service.start_draft(paths, tmp_path / "work", script_text=SCRIPT)
    assert draft.art[(1, 1)].name == "p01_panel01.png"
    assert draft.art[(1, 2)].name == "zzz.png"


def test_extra_images_are_reported(tmp_path):
    draft = compose_service.start_draft(
        images(tmp_path, ["a.png", "b.png", "c.png"]), tmp_path / "w", script_text=SCRIPT
    )
    assert any("left out: c.png" in warning for warning in draft.warnings)


def test_bad_inputs_are_one_sentence(tmp_path):
    with pytest.raises(ComposeError, match="no panel images"):
        compose_service.start_draft([], tmp_path / "w")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ComposeError, match="notes.txt is not a panel image"):
        compose_service.start_draft([tmp_path / "notes.txt"], tmp_path / "w")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ComposeError, match="broken.png"):
        compose_service.start_draft([tmp_path / "broken.png"], tmp_path / "w")
    with pytest.raises(ComposeError, match="line 1"):
        compose_service.start_draft(images(tmp_path, ["a.png"]), tmp_path / "w", script_text="PAGE one")


def test_edit_balloon_text_kind_position_and_add(tmp_path):
    draft = compose_service.start_draft(images(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    before = draft.page_files[1].read_bytes()
    edited = compose_service.edit_balloon(draft, 1, 1, 0, BalloonEdit(text="Hi!", kind="shout", position=(0.3, 0.6)))
    row = compose_service.balloon_rows(edited.book, 1)[0]
    assert (row["text"], row["kind"], row["x"], row["y"]) == ("Hi!", "shout", 0.3, 0.6)
    assert edited.page_files[1].read_bytes() != before
    added = compose_service.edit_balloon(edited, 1, 2, -1, BalloonEdit(text="Knock knock", kind="whisper"))
    assert [r["text"] for r in compose_service.balloon_rows(added.book, 1) if r["panel"] == 2] == [
        "Who is it?",
        "Knock knock",
    ]
    assert (
        draft.book.pages[0].panels[0].dialogue[0].text == "Hello there."
    )  # drafts are values: the old one is unchanged


def test_edit_errors_name_the_problem(tmp_path):
    draft = compose_service.start_draft(images(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    with pytest.raises(ComposeError, match="has no balloon 5"):
        compose_service.edit_balloon(draft, 1, 1, 4, BalloonEdit(text="x"))
    with pytest.raises(ComposeError, match="page 1 has no panel 7"):
        compose_service.edit_balloon(draft, 1, 7, 0, BalloonEdit(text="x"))
    with pytest.raises(ComposeError, match=r"0\.\.1"):
        compose_service.edit_balloon(draft, 1, 1, 0, BalloonEdit(position=(1.5, 0.2)))
    with pytest.raises(ComposeError, match="kind"):
        compose_service.edit_balloon(draft, 1, 1, 0, BalloonEdit(kind="song"))


def test_locate_point_maps_pixels_to_panel_fractions(tmp_path):
    draft = compose_service.start_draft(images(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    from app.comic.layout import layout_page

    slot = layout_page(draft.book.pages[0], page_size="a5", dpi=72).slots[1]
    point = compose_service.locate_point(
        draft, 1, slot.box.left + slot.box.width / 2, slot.box.top + slot.box.height / 4
    )
    assert point.panel == 2 and point.x == pytest.approx(0.5, abs=0.01) and point.y == pytest.approx(0.25, abs=0.01)
    assert compose_service.locate_point(draft, 1, 0, 0) is None  # the margin


def test_export_writes_a_pdf_with_one_page_per_page(tmp_path):
    draft = compose_service.start_draft(
        images(tmp_path, [f"i{i}.png" for i in range(3)]), tmp_path / "w", page_size="a5", dpi=72, panels_per_page=1
    )
    files = compose_service.export_draft(draft, ["pdf", "cbz"], tmp_path / "out")
    pdf = files["pdf"][0].read_bytes()
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3
    assert files["cbz"][0].suffix == ".cbz"
    with pytest.raises(ComposeError, match="at least one export format"):
        compose_service.export_draft(draft, [], tmp_path / "out")


def test_motion_comic_export_is_a_video(tmp_path):
    pytest.importorskip("app.motion.motion_comic")
    draft = compose_service.start_draft(images(tmp_path, ["a.png", "b.png"]), tmp_path / "w", script_text=SCRIPT)
    frames = []
    path, seconds, _ = compose_service.export_motion_comic(
        draft,
        tmp_path / "out" / "motion.mp4",
        width=128,
        height=72,
        fps=4,
        on_frame=lambda done, total: frames.append((done, total)),
    )
    assert path.is_file() and path.stat().st_size > 0 and seconds > 1
    assert frames and frames[-1][0] == frames[-1][1]
