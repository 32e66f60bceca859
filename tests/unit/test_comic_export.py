"""Exports: PNG with DPI, PDF at the true page size, CBZ + ComicInfo.xml, webtoon slices, contact sheet."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from PIL import Image

from app.comic.compose import compose_book
from app.comic.export import ExportError, export_book, parse_formats
from app.comic.model import Balloon, Book, Page, Panel


def _composed(**fields: object):
    pages = [
        Page(number=n, panels=[Panel(number=1, dialogue=[Balloon(speaker="A", text="Hi")]), Panel(number=2)])
        for n in (1, 2, 3)
    ]
    data = {
        "title": "Export Test!",
        "series": "Tests",
        "issue": 4,
        "page_size": "us-comic",
        "dpi": 40,
        "cast": [{"name": "A"}],
        "pages": pages,
    }
    data.update(fields)
    return compose_book(Book(**data), {})


def test_parse_formats() -> None:
    assert parse_formats("png, PDF,cbz,png") == ["png", "pdf", "cbz"]
    with pytest.raises(ExportError, match="Unknown export format tiff"):
        parse_formats("png,tiff")


def test_all_formats(tmp_path: Path) -> None:
    composed = _composed()
    result = export_book(composed, tmp_path, ["png", "pdf", "cbz", "webtoon", "contact"], webtoon_max_height=300)
    pngs = result.files["png"]
    assert [p.name for p in pngs] == ["page_001.png", "page_002.png", "page_003.png"]
    with Image.open(pngs[0]) as image:
        assert round(image.info["dpi"][0]) == 40
        size = image.size

    import pikepdf

    with pikepdf.open(result.files["pdf"][0]) as pdf:
        assert len(pdf.pages) == 3
        box = [float(v) for v in pdf.pages[0].mediabox]
    # 6.625 x 10.25 in trim + 0.125 in bleed each side, in points, exactly
    assert box == pytest.approx([0, 0, 6.875 * 72, 10.5 * 72], abs=0.01)

    with zipfile.ZipFile(result.files["cbz"][0]) as archive:
        names = archive.namelist()
        assert names == ["001.png", "002.png", "003.png", "ComicInfo.xml"]
        assert archive.getinfo("001.png").compress_type == zipfile.ZIP_STORED
        assert archive.read("001.png") == pngs[0].read_bytes()
        info = ET.fromstring(archive.read("ComicInfo.xml"))
    assert (
        info.findtext("Title") == "Export Test!"
        and info.findtext("Series") == "Tests"
        and info.findtext("Number") == "4"
    )
    assert info.findtext("PageCount") == "3" and info.findtext("Manga") == "No" and info.findtext("Characters") == "A"
    pages = info.find("Pages").findall("Page")
    assert pages[0].get("Type") == "FrontCover" and pages[2].get("Image") == "2"
    assert pages[1].get("ImageWidth") == str(size[0]) and pages[1].get("ImageHeight") == str(size[1])
    tags = [child.tag for child in info]
    assert (
        tags.index("Title")
        < tags.index("Series")
        < tags.index("Number")
        < tags.index("PageCount")
        < tags.index("Manga")
        < tags.index("Pages")
    )

    strip, *slices = result.files["webtoon"]
    assert strip.name == "export-test_strip.png"
    heights = [Image.open(p).size for p in slices]
    assert all(w == 800 for w, h in heights) and len(slices) > 3
    assert sum(h for _w, h in heights) == Image.open(strip).height
    assert Image.open(result.files["contact"][0]).width > 800


def test_rtl_book_is_marked_as_manga(tmp_path: Path) -> None:
    result = export_book(_composed(reading_direction="rtl"), tmp_path, ["cbz"])
    with zipfile.ZipFile(result.files["cbz"][0]) as archive:
        assert ET.fromstring(archive.read("ComicInfo.xml")).findtext("Manga") == "YesAndRightToLeft"


def test_unwritable_output_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot be created"):
        export_book(_composed(), blocker / "sub", ["png"])
