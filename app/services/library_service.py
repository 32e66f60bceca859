"""The character and location library as the Characters/Locations tabs see it.

One format on disk, the book builder's (app/book/library.py):

    library_dir/characters/<id>/character.yaml   name, description, negative, seed, lora, ...
    library_dir/locations/<id>/location.yaml     name, prompt, ...
    library_dir/<kind>/<id>/references/*.png      reference images

This module is a thin view for the UI: an entry is a name, a description (a location's prompt) and its
images. Saving an entry with the name of an existing one updates its description and adds images
(none are deleted; a clashing file name gets a -2, -3 ... suffix); its other fields are kept.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from ..book.errors import BookError
from ..book.library import (
    CHARACTER_FILE,
    LEGACY_FILE,
    LOCATION_FILE,
    Character,
    LibraryKind,
    Location,
    check_image,
    entry_id,
    load_character,
    load_location,
)
from ..book.library import list_entries as list_book_entries
from ..book.library import save_entry as save_book_entry
from ..errors import InkframeError

LIBRARY_KINDS: tuple[str, ...] = get_args(LibraryKind)
MAX_NAME = 80


class LibraryError(InkframeError):
    """A library entry that cannot be read or saved."""


@dataclass(frozen=True)
class LibraryEntry:
    kind: LibraryKind
    id: str
    name: str
    description: str
    images: tuple[Path, ...]


def _check_kind(kind: str) -> LibraryKind:
    """The kind a caller (a form, a request) named, or one sentence naming the kinds there are."""
    if kind in LIBRARY_KINDS:
        return cast(LibraryKind, kind)
    raise LibraryError(f"library kind {kind!r} is unknown; use one of {', '.join(LIBRARY_KINDS)}.")


def _view(kind: LibraryKind, entry: Character | Location) -> LibraryEntry:
    text = entry.description if isinstance(entry, Character) else entry.prompt
    folder = entry.folder or Path()
    return LibraryEntry(kind, folder.name, entry.name, text, tuple(entry.reference_paths()))


def list_entries(library_dir: Path, kind: LibraryKind | str) -> list[LibraryEntry]:
    """Every entry of one kind, by name. An unreadable entry is reported by name, not skipped."""
    kind = _check_kind(kind)
    try:
        entries = list_book_entries(Path(library_dir), kind)
    except BookError as exc:
        raise LibraryError(str(exc)) from None
    return sorted((_view(kind, entry) for entry in entries), key=lambda entry: entry.name.casefold())


def _checked_images(images: list[Path | str] | None) -> list[Path]:
    try:
        return [check_image(image) for image in images or []]
    except BookError as exc:
        raise LibraryError(str(exc)) from None


def _copy_unique(sources: list[Path], references: Path) -> list[str]:
    references.mkdir(parents=True, exist_ok=True)
    names = []
    for source in sources:
        target = references / source.name
        counter = 1
        while target.exists():
            counter += 1
            target = references / f"{source.stem}-{counter}{source.suffix}"
        shutil.copyfile(source, target)
        names.append(target.name)
    return names


def save_entry(
    library_dir: Path, kind: LibraryKind | str, name: str, description: str = "", images: list[Path | str] | None = None
) -> LibraryEntry:
    """Create or update an entry; images are checked and copied into its references/."""
    kind = _check_kind(kind)
    name = (name or "").strip()
    if not name:
        raise LibraryError(f"a {kind[:-1]} needs a name.")
    if len(name) > MAX_NAME:
        raise LibraryError(f"the name is {len(name)} characters long; keep it under {MAX_NAME}.")
    sources = _checked_images(images)
    folder = Path(library_dir) / kind / entry_id(name)
    text_field = "description" if kind == "characters" else "prompt"
    try:
        if any((folder / f).is_file() for f in (CHARACTER_FILE, LOCATION_FILE, LEGACY_FILE)):
            entry = (load_character if kind == "characters" else load_location)(folder)
            entry = entry.model_copy(update={text_field: description.strip()})
        else:
            model = Character if kind == "characters" else Location
            entry = model(name=name, **{text_field: description.strip()})
        added = _copy_unique(sources, folder / "references")
        if entry.references:  # an explicit list: add the new files to it; an empty one means all of references/
            entry = entry.model_copy(update={"references": [*entry.references, *added]})
        saved = save_book_entry(entry, Path(library_dir))
    except BookError as exc:
        raise LibraryError(str(exc)) from None
    (folder / LEGACY_FILE).unlink(missing_ok=True)  # the entry now lives in the book builder's file
    return _view(kind, saved)
