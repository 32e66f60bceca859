"""The library of characters and locations: a name, a description and reference images, kept on disk.

    library_dir/characters/<id>/entry.yaml      name, description, created_at
    library_dir/characters/<id>/images/*.png    reference photos and chosen sheets

A cast member's `reference` in a comic script can name a character id. Saving an entry with the name
of an existing one updates it (new images are added, none are deleted).
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import yaml
from PIL import Image, UnidentifiedImageError

from ..errors import InkframeError

LibraryKind = Literal["characters", "locations"]
LIBRARY_KINDS: tuple[str, ...] = get_args(LibraryKind)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_NAME = 80


class LibraryError(InkframeError):
    """A library entry that cannot be read or saved."""


@dataclass(frozen=True)
class LibraryEntry:
    kind: str
    id: str
    name: str
    description: str
    images: tuple[Path, ...]
    created_at: float


def entry_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return slug[:60] or "entry"


def _folder(library_dir: Path, kind: str) -> Path:
    if kind not in LIBRARY_KINDS:
        raise LibraryError(f"library kind {kind!r} is unknown; use one of {', '.join(LIBRARY_KINDS)}.")
    return Path(library_dir) / kind


BOOK_FILES = {"characters": ("character.yaml", "description"), "locations": ("location.yaml", "prompt")}


def list_entries(library_dir: Path, kind: str) -> list[LibraryEntry]:
    """Every entry of one kind, by name: those saved here (entry.yaml) and those written for the book builder
    (character.yaml / location.yaml with references/). An unreadable file is reported by name, not skipped."""
    folder = _folder(library_dir, kind)
    if not folder.is_dir():
        return []
    entries = []
    for child in sorted(folder.iterdir()):
        if (child / "entry.yaml").is_file():
            entries.append(read_entry(library_dir, kind, child.name))
        elif (child / BOOK_FILES[kind][0]).is_file():
            entries.append(_read_book_entry(child, kind))
    return sorted(entries, key=lambda entry: entry.name.casefold())


def _read_book_entry(folder: Path, kind: str) -> LibraryEntry:
    filename, text_field = BOOK_FILES[kind]
    path = folder / filename
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"{path} cannot be read ({exc.__class__.__name__}); fix or delete it.") from None
    if not isinstance(data, dict) or not str(data.get("name", "")).strip():
        raise LibraryError(f"{path} needs at least a `name:` line.")
    refs = folder / "references"
    images = tuple(sorted(p for p in refs.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)) if refs.is_dir() else ()
    return LibraryEntry(kind, folder.name, str(data["name"]).strip(), str(data.get(text_field) or ""), images, 0.0)


def read_entry(library_dir: Path, kind: str, identifier: str) -> LibraryEntry:
    folder = _folder(library_dir, kind) / identifier
    path = folder / "entry.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise LibraryError(f"there is no {kind[:-1]} {identifier!r} in the library ({folder}).") from None
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"{path} cannot be read ({exc.__class__.__name__}); fix or delete it.") from None
    if not isinstance(data, dict) or not str(data.get("name", "")).strip():
        raise LibraryError(f"{path} needs at least a `name:` line.")
    images = tuple(sorted(p for p in (folder / "images").glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)) if (folder / "images").is_dir() else ()
    return LibraryEntry(kind, identifier, str(data["name"]).strip(), str(data.get("description") or ""), images,
                        float(data.get("created_at") or 0.0))


def save_entry(library_dir: Path, kind: str, name: str, description: str = "", images: list[Path | str] | None = None) -> LibraryEntry:
    """Create or update an entry; images are checked and copied into it."""
    name = (name or "").strip()
    if not name:
        raise LibraryError(f"a {kind[:-1]} needs a name.")
    if len(name) > MAX_NAME:
        raise LibraryError(f"the name is {len(name)} characters long; keep it under {MAX_NAME}.")
    sources = [Path(image) for image in images or []]
    for source in sources:
        if source.suffix.lower() not in IMAGE_SUFFIXES:
            raise LibraryError(f"{source.name} is not an image the library keeps; use {', '.join(IMAGE_SUFFIXES)}.")
        try:
            with Image.open(source) as image:
                image.verify()
        except (OSError, UnidentifiedImageError):
            raise LibraryError(f"{source.name} cannot be read as an image; re-export it as PNG or JPEG.") from None
    identifier = entry_id(name)
    folder = _folder(library_dir, kind) / identifier
    existing = read_entry(library_dir, kind, identifier) if (folder / "entry.yaml").is_file() else None
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for source in sources:
        target = folder / "images" / source.name
        counter = 1
        while target.exists():
            counter += 1
            target = folder / "images" / f"{source.stem}-{counter}{source.suffix}"
        shutil.copyfile(source, target)
    created = existing.created_at if existing else time.time()
    text = yaml.safe_dump({"name": name, "description": description.strip(), "created_at": created}, allow_unicode=True, sort_keys=False)
    (folder / "entry.yaml").write_text(text, encoding="utf-8")
    return read_entry(library_dir, kind, identifier)
