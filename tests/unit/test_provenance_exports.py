"""Comic exports: PNG pages list their panels, every CBZ page carries credentials, the PDF is signed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.comic.compose import ComposeOptions, compose_book
from app.comic.export import export_book
from app.provenance import generated, read_credentials
from app.provenance.exports import stamp_export
from app.services.compose_service import book_for_images

from .provenance_helpers import signing_credentials, write_picture


@pytest.fixture
def exported(tmp_path: Path):
    credentials = signing_credentials(tmp_path / "identity")
    panels = [write_picture(tmp_path / f"panel_{n}.png", seed=n, size=64) for n in range(3)]
    credentials.stamp_file(panels[0], generated())
    book = book_for_images(3, title="Test", page_size="a5", dpi=40, panels_per_page=2)
    art = {
        (page.number, panel.number): panels[(page.number - 1) * 2 + panel.number - 1]
        for page in book.pages
        for panel in page.panels
    }
    result = export_book(compose_book(book, art, options=ComposeOptions()), tmp_path / "out", ["png", "pdf", "cbz"])
    stamp_export(credentials, result.files, art)
    return result.files, panels


def test_png_pages_list_their_panels(exported) -> None:
    files, panels = exported
    first, second = (read_credentials(Path(p)) for p in files["png"])
    assert first.state == second.state == "untrusted"
    assert [i.title for i in first.ingredients] == ["panel_0.png", "panel_1.png"]
    assert [i.title for i in second.ingredients] == ["panel_2.png"]
    assert first.actions[0] == "c2pa.created" and "c2pa.placed" in first.actions


def test_every_cbz_page_carries_credentials(exported, tmp_path: Path) -> None:
    files, _ = exported
    cbz = Path(files["cbz"][0])
    report = read_credentials(cbz)
    assert report.state == "untrusted"
    assert report.note == "2 of 2 page images carry intact credentials"
    with zipfile.ZipFile(cbz) as archive:
        names = archive.namelist()
        assert "ComicInfo.xml" in names
        page = tmp_path / "page1.png"
        page.write_bytes(archive.read(sorted(n for n in names if n.endswith(".png"))[0]))
    inside = read_credentials(page)
    assert inside.state == "untrusted"
    assert [i.title for i in inside.ingredients] == ["panel_0.png", "panel_1.png"]


def test_pdf_carries_one_manifest_for_the_document(exported) -> None:
    files, _ = exported
    report = read_credentials(Path(files["pdf"][0]))
    assert report.state == "untrusted"
    assert [i.title for i in report.ingredients] == ["panel_0.png", "panel_1.png", "panel_2.png"]
