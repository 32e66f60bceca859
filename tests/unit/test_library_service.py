"""The character and location library on disk."""

from __future__ import annotations

import pytest
from PIL import Image

from app.services import library_service
from app.services.library_service import LibraryError


def photo(path):
    Image.new("RGB", (8, 8), (200, 10, 10)).save(path)
    return path


def test_save_list_and_update(tmp_path):
    first = library_service.save_entry(tmp_path, "characters", "Maya Lin", "red raincoat", [photo(tmp_path / "a.png")])
    assert first.id == "maya-lin" and len(first.images) == 1
    assert (tmp_path / "characters" / "maya-lin" / "character.yaml").is_file()  # the book builder's format
    again = library_service.save_entry(
        tmp_path, "characters", "Maya Lin", "red raincoat, short hair", [photo(tmp_path / "a.png")]
    )
    assert [p.name for p in again.images] == ["a-2.png", "a.png"] and again.description == "red raincoat, short hair"
    assert [e.name for e in library_service.list_entries(tmp_path, "characters")] == ["Maya Lin"]
    assert library_service.list_entries(tmp_path, "locations") == []


def test_update_keeps_the_book_builder_fields(tmp_path):
    from app.book.library import Character, load_character, save_entry

    save_entry(Character(name="Tom", description="lanky", lora="tom.safetensors", seed=7), tmp_path)
    library_service.save_entry(tmp_path, "characters", "Tom", "lanky, knitted cap", [photo(tmp_path / "t.png")])
    tom = load_character(tmp_path / "characters" / "tom")
    assert (tom.description, tom.lora, tom.seed) == ("lanky, knitted cap", "tom.safetensors", 7)
    assert [p.name for p in tom.reference_paths()] == ["t.png"]


def test_bad_entries_are_one_sentence(tmp_path):
    with pytest.raises(LibraryError, match="needs a name"):
        library_service.save_entry(tmp_path, "characters", "  ")
    with pytest.raises(LibraryError, match="kind 'props' is unknown"):
        library_service.save_entry(tmp_path, "props", "Lamp")
    (tmp_path / "x.png").write_bytes(b"nope")
    with pytest.raises(LibraryError, match="x.png cannot be read as an image"):
        library_service.save_entry(tmp_path, "locations", "Harbour", images=[tmp_path / "x.png"])
    broken = tmp_path / "characters" / "ghost"
    broken.mkdir(parents=True)
    (broken / "character.yaml").write_text("description: no name\n")
    with pytest.raises(LibraryError, match=r"character.yaml: the field name is required."):
        library_service.list_entries(tmp_path, "characters")


def test_book_builder_entries_are_listed_too(tmp_path):
    folder = tmp_path / "locations" / "harbour"
    (folder / "references").mkdir(parents=True)
    (folder / "location.yaml").write_text("name: Harbour\nprompt: fishing boats at dawn\n")
    photo(folder / "references" / "ref.png")
    library_service.save_entry(tmp_path, "locations", "Attic", "dusty beams")
    entries = library_service.list_entries(tmp_path, "locations")
    assert [(e.name, e.description, len(e.images)) for e in entries] == [
        ("Attic", "dusty beams", 0),
        ("Harbour", "fishing boats at dawn", 1),
    ]
