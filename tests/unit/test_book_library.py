"""Character and location libraries: load, save, validate with one-sentence errors, legacy entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.book.errors import BookError
from app.book.library import Character, Location, find_entry, list_entries, load_character, load_location, save_entry


def _image(path: Path, colour=(200, 40, 40)) -> Path:
    Image.new("RGB", (32, 32), colour).save(path)
    return path


def test_save_and_load_character_round_trip(tmp_path: Path) -> None:
    ref = _image(tmp_path / "front.png")
    saved = save_entry(
        Character(
            name="Maya",
            description="red raincoat",
            negative="smiling",
            seed=42,
            lora="maya.safetensors",
            lora_weight=0.7,
            aliases=["Keeper"],
        ),
        tmp_path / "lib",
        images=[ref],
    )
    assert saved.folder == tmp_path / "lib" / "characters" / "maya"
    loaded = load_character(saved.folder)
    assert (loaded.name, loaded.description, loaded.negative, loaded.seed, loaded.lora, loaded.lora_weight) == (
        "Maya",
        "red raincoat",
        "smiling",
        42,
        "maya.safetensors",
        0.7,
    )
    assert [p.name for p in loaded.reference_paths()] == ["front.png"]
    assert find_entry(list_entries(tmp_path / "lib", "characters"), "keeper") == loaded
    assert find_entry([loaded], "maya") == loaded and find_entry([loaded], "Tom") is None


def test_negative_tokens_may_be_a_list(tmp_path: Path) -> None:
    folder = tmp_path / "tom"
    folder.mkdir()
    (folder / "character.yaml").write_text("name: Tom\nnegative: [beard, glasses]\n", encoding="utf-8")
    assert load_character(folder).negative == "beard, glasses"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: Tom\nlora_weight: 5\n",
            "character.yaml: lora_weight = 5 is not allowed (input should be less than or equal to 2).",
        ),
        ("name: Tom\ncolour: blue\n", "character.yaml: unknown field colour; remove it or check its spelling."),
        ("description: no name\n", "character.yaml: the field name is required."),
        ("name: [unclosed\n", "character.yaml is not valid YAML at line 2, column 1; fix the syntax there."),
        ("- a list\n", "character.yaml must hold fields (name: ..., description: ...), not a list."),
        ("name: Tom\nreferences: [missing.png]\n", "the reference image missing.png is not in"),
    ],
)
def test_bad_character_files_give_one_sentence(tmp_path: Path, text: str, expected: str) -> None:
    folder = tmp_path / "tom"
    folder.mkdir()
    (folder / "character.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BookError) as error:
        load_character(folder)
    assert expected in str(error.value)
    assert str(error.value).endswith(".")


def test_a_folder_without_an_entry_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BookError, match=r"holds no character.yaml; create one with at least a `name:` line"):
        load_character(tmp_path)


def test_entries_of_the_characters_tab_are_read(tmp_path: Path) -> None:
    """Entries saved by the Characters tab (app/services/library_service.py) are the book's characters."""
    from app.services.library_service import save_entry as save_tab_entry

    photo = _image(tmp_path / "photo.png")
    save_tab_entry(tmp_path / "lib", "characters", "Maya", "red raincoat", [photo])
    (maya,) = list_entries(tmp_path / "lib", "characters")
    assert maya.name == "Maya" and maya.description == "red raincoat"
    assert [p.name for p in maya.reference_paths()] == ["photo.png"] and maya.reference_paths()[0].is_file()


def test_location_fields_and_plate(tmp_path: Path) -> None:
    saved = save_entry(Location(name="Lamp room", prompt="brass gears", strength=0.5, use="crop"), tmp_path / "lib")
    loaded = load_location(saved.folder)
    assert (loaded.prompt, loaded.strength, loaded.use) == ("brass gears", 0.5, "crop")
    assert loaded.plate_path == saved.folder / "plate.png"
    (saved.folder / "location.yaml").write_text("name: x\nuse: sideways\n", encoding="utf-8")
    with pytest.raises(BookError, match=r"use = 'sideways' is not allowed"):
        load_location(saved.folder)


def test_saving_rejects_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    with pytest.raises(BookError, match=r"notes.png cannot be read as an image; re-export it as PNG or JPEG."):
        save_entry(Character(name="Maya"), tmp_path / "lib", images=[bad])
