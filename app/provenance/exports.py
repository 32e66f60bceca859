"""Content Credentials for comic exports (what `export_book` wrote), with the panels as ingredients.

- PNG pages: each a composite whose ingredients are that page's panel images.
- CBZ: every page image inside the archive is signed the same way, then the archive itself gets a
  manifest (c2pa's ZIP support: META-INF/content_credential.c2pa).
- PDF: one manifest for the whole document (its ingredients are all panels); the page images inside a
  PDF are re-encoded streams that cannot carry their own credentials.
- Webtoon slices and the contact sheet: composites of all panels.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..image_files import IMAGE_SUFFIXES
from .credentials import Credentials, StampResult
from .facts import OutputFacts, composed

PAGE_NAME = re.compile(r"page[_-]0*(\d+)", re.IGNORECASE)
MAX_ENTRY_BYTES = 512 * 1024 * 1024


def panels_by_page(art: Mapping[tuple[int, int], object]) -> dict[int, list[Path]]:
    """Panel image files by page number; art given as in-memory pictures (not files) is left out."""
    pages: dict[int, list[Path]] = {}
    for (page, _panel), path in sorted(art.items(), key=lambda item: item[0]):
        if isinstance(path, (str, Path)) and Path(path).is_file():
            pages.setdefault(page, []).append(Path(path))
    return pages


def stamp_export(
    credentials: Credentials, files: Mapping[str, Sequence[Path | str]], art: Mapping[tuple[int, int], object]
) -> list[StampResult]:
    """Sign every exported file; `art` maps (page, panel) -> the panel's image file."""
    pages = panels_by_page(art)
    every = [path for paths in pages.values() for path in paths]
    results = []
    for fmt, paths in files.items():
        for raw in paths:
            path = Path(raw)
            if fmt == "cbz":
                results.append(stamp_cbz(credentials, path, pages))
                continue
            match = PAGE_NAME.search(path.stem) if fmt == "png" else None
            parts = pages.get(int(match.group(1)), []) if match else every
            results.append(
                credentials.stamp_file(path, composed(f"export {fmt}" if not match else "compose page", parts))
            )
    return results


def stamp_cbz(credentials: Credentials, path: Path, pages: Mapping[int, list[Path]]) -> StampResult:
    """Sign each page image in the archive (pages in reading order = sorted page numbers), then the archive."""
    numbers = sorted(pages)
    temporary = path.with_name(f".{path.name}.pages.part")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w") as target:
        images = [info for info in source.infolist() if info.filename.lower().endswith(IMAGE_SUFFIXES)]
        for info in source.infolist():
            data = source.read(info) if info.file_size <= MAX_ENTRY_BYTES else b""
            if info in images:
                index = images.index(info)
                parts = pages.get(numbers[index], []) if index < len(numbers) else []
                data = credentials.stamp_bytes(data, info.filename, composed("compose page", parts))
            target.writestr(info, data, compress_type=zipfile.ZIP_STORED)  # c2pa reads stored ZIP entries only
    os.replace(temporary, path)
    return credentials.stamp_file(path, OutputFacts("composite", "export cbz", extra={"pages": len(numbers)}))


def cbz_page_states(path: Path, read) -> list[tuple[str, str]]:
    """(entry name, state) of each page image of a CBZ; `read(name, data)` returns a CredentialReport."""
    states = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith(IMAGE_SUFFIXES) and info.file_size <= MAX_ENTRY_BYTES:
                states.append((info.filename, read(info.filename, io.BytesIO(archive.read(info))).state))
    return states
