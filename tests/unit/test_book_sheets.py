"""Character sheets: the default turnaround pose, cropping cells, sheets saved into the library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw

from app.book.errors import BookError
from app.book.library import Character, load_character, save_entry
from app.book.sheets import crop_cells, make_character_sheet, sheet_prompts, turnaround_pose
from app.book.styles import resolve_style

from .book_helpers import SyntheticBackend


def test_turnaround_pose_has_three_skeletons_on_black() -> None:
    pose = np.asarray(turnaround_pose((768, 384)))
    assert pose.shape == (384, 768, 3)
    thirds = [pose[:, i * 256 : (i + 1) * 256] for i in range(3)]
    assert all(third.max(axis=2).astype(bool).mean() > 0.01 for third in thirds)  # every third holds a figure
    assert (pose[:5] == 0).all()  # the background stays black


def test_crop_cells_trims_each_cell_to_its_figure() -> None:
    sheet = Image.new("RGB", (300, 100), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, colour in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)]):
        draw.rectangle((index * 100 + 30, 20, index * 100 + 60, 80), fill=colour)
    cells = crop_cells(sheet, 3, margin=0.0)
    assert [c.size for c in cells] == [(31, 61)] * 3
    assert [tuple(np.asarray(c)[30, 15]) for c in cells] == [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
    empty = crop_cells(Image.new("RGB", (90, 30), (255, 255, 255)), 3)
    assert [c.size for c in empty] == [(30, 30)] * 3
    with pytest.raises(BookError, match="at least one cell"):
        crop_cells(sheet, 0)


def test_sheet_prompts_carry_style_description_and_negatives() -> None:
    turnaround, expressions, negative = sheet_prompts(
        Character(name="Maya", description="red coat", negative="hat"), resolve_style("ink")
    )
    assert turnaround.startswith("comic book panel") and "character turnaround sheet of red coat" in turnaround
    assert "expression sheet of red coat" in expressions and "surprised" in expressions
    assert negative.endswith("hat")


def test_sheet_from_text_saves_sheets_and_references(tmp_path: Path) -> None:
    pytest.importorskip("skimage.data", reason="scikit-image provides the test photo")
    photo = tmp_path / "mine.png"
    Image.new("RGB", (32, 32), (10, 20, 30)).save(photo)
    maya = save_entry(Character(name="Maya", description="red coat", seed=3), tmp_path / "lib", images=[photo])
    result = make_character_sheet(SyntheticBackend(), maya, tmp_path / "lib", resolve_style("ink"), size=(256, 128))
    assert set(result.sheets) == {"turnaround", "expressions"} and all(p.is_file() for p in result.sheets.values())
    assert [p.name for p in result.references] == [f"sheet_turnaround_{v}.png" for v in ("front", "side", "back")] + [
        f"sheet_expressions_{e}.png" for e in ("happy", "angry", "surprised", "sad")
    ]
    listed = yaml.safe_load((maya.folder / "character.yaml").read_text())["references"]
    assert listed[0] == "mine.png" and len(listed) == 8  # the user's photo is kept, the crops are added
    assert len(load_character(maya.folder).reference_paths()) == 8


def test_sheet_from_photos_restyles_each_photo(tmp_path: Path) -> None:
    pytest.importorskip("skimage.data", reason="scikit-image provides the test photo")
    photos = []
    for index in range(2):
        photos.append(tmp_path / f"p{index}.png")
        Image.new("RGB", (128, 128), (100 + index, 50, 50)).save(photos[-1])
    backend = SyntheticBackend()
    result = make_character_sheet(
        backend, Character(name="Tom"), tmp_path / "lib", resolve_style("ink"), photos=photos, seed=9
    )
    assert [r.workflow for r in backend.requests] == ["img2img_restyle"] * 2 and [r.seed for r in backend.requests] == [
        9,
        10,
    ]
    assert all(r.init_image is not None and r.strength == 0.45 for r in backend.requests)
    assert Image.open(result.sheets["photos"]).size == (256, 128)
    assert [p.name for p in result.references] == ["sheet_photo1.png", "sheet_photo2.png"]
