"""Exports of composed pages: PNG pages, a print PDF (exact size, TrimBox and BleedBox), a CBZ with
ComicInfo.xml, a webtoon (the panels reflowed into one column, sliced at gutters), and a contact sheet.

Each page is PNG-encoded once; the PDF (img2pdf, lossless: the PNG data is embedded as is) and the
CBZ (stored, not re-compressed) reuse those bytes.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from PIL import Image, ImageDraw

from ..errors import InkframeError
from .choices import EXPORT_FORMATS
from .compose import ComposedBook

WEBTOON_MAX_HEIGHT = 1280
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")  # not allowed in XML 1.0
CONTACT_THUMB_WIDTH = 280


class ExportError(InkframeError):
    """An export that cannot be written."""


@dataclass(frozen=True)
class EncodedPage:
    number: int
    png: bytes
    width: int
    height: int
    dpi: int
    media_pt: tuple[float, float] | None = (
        None  # the exact printed size (trim + bleed) in points; None: pixels at the DPI
    )
    bleed_pt: float = 0.0  # the bleed on every side in points: the TrimBox lies this far inside the MediaBox


@dataclass
class ExportResult:
    """The files written, by format ("png" lists every page)."""

    files: dict[str, list[Path]] = field(default_factory=dict)

    def add(self, fmt: str, path: Path) -> None:
        self.files.setdefault(fmt, []).append(path)


def parse_formats(text: str | Iterable[str]) -> list[str]:
    """`"png,pdf,cbz"` -> ["png", "pdf", "cbz"]; ExportError naming an unknown format."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [t for t in items if t not in EXPORT_FORMATS]
    if unknown or not items:
        raise ExportError(
            f"Unknown export format {', '.join(unknown) or '(none)'}; "
            f"use a comma-separated list of: {', '.join(EXPORT_FORMATS)}."
        )
    return list(dict.fromkeys(items))


def slugify(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:60] or "comic"


def encode_pages(composed: ComposedBook, *, compress_level: int = 6) -> list[EncodedPage]:
    """PNG bytes of every page, with its DPI recorded in the file."""
    out = []
    for page in composed.pages:
        dpi = page.layout.geometry.dpi if page.layout.geometry.spec.unit != "px" else 72
        buffer = io.BytesIO()
        page.image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=compress_level)
        out.append(
            EncodedPage(
                page.number,
                buffer.getvalue(),
                page.image.width,
                page.image.height,
                dpi,
                *_print_size(page.layout.geometry),
            )
        )
    return out


def _print_size(geometry) -> tuple[tuple[float, float] | None, float]:  # PageGeometry
    """The page's exact size and bleed in points from its page-size entry (not from rounded pixels)."""
    spec = geometry.spec
    if spec.unit == "px" or spec.height is None:
        return None, 0.0
    per_inch = 25.4 if spec.unit == "mm" else 1.0
    points = lambda length: length / per_inch * 72.0  # noqa: E731
    return (points(spec.width + 2 * spec.bleed), points(spec.height + 2 * spec.bleed)), points(spec.bleed)


def write_pngs(pages: Sequence[EncodedPage], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for page in pages:
        path = folder / f"page_{page.number:03d}.png"
        path.write_bytes(page.png)
        paths.append(path)
    return paths


def write_pdf(pages: Sequence[EncodedPage], path: Path, *, title: str = "") -> Path:
    """A PDF of the pages (lossless). A print page measures exactly its page size plus bleed (MediaBox =
    BleedBox) with the TrimBox where the printer cuts; a pixel page (webtoon) measures its pixels at its DPI."""
    logging.getLogger("pikepdf").setLevel(logging.WARNING)  # its import logs one INFO line per process
    import img2pdf

    if not pages:
        raise ExportError("There are no pages to put in the PDF.")
    dpi = pages[0].dpi
    first = pages[0]
    boxes: dict[str, object] = {}
    if first.media_pt is not None and all(p.media_pt == first.media_pt for p in pages):
        # a print page: the MediaBox (= BleedBox) is the exact trim plus bleed, the TrimBox the cut
        media_w, media_h = first.media_pt

        def layout(_width_px: int, _height_px: int, _dpi: object) -> tuple[float, float, float, float]:
            return media_w, media_h, media_w, media_h

        boxes = {"bleedborder": (0.0, 0.0), "trimborder": (first.bleed_pt, first.bleed_pt), "cropborder": (0.0, 0.0)}
    else:
        layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    try:
        data = img2pdf.convert(
            [p.png for p in pages],
            layout_fun=layout,
            title=title or None,
            creator="Inkframe Studio",
            rotation=img2pdf.Rotation.ifvalid,
            **boxes,
        )
    except Exception as exc:  # img2pdf raises its own error types and ValueError
        raise ExportError(f"The PDF {str(path)!r} could not be built ({exc}).") from exc
    path.write_bytes(data)
    return path


def comic_info_xml(composed: ComposedBook, pages: Sequence[EncodedPage]) -> bytes:
    """ComicInfo.xml (schema v2.0, the order of elements the XSD requires) as Komga and Kavita read it."""
    book = composed.book
    root = ET.Element(
        "ComicInfo",
        {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "xmlns:xsd": "http://www.w3.org/2001/XMLSchema"},
    )

    def add(tag: str, value: object) -> None:
        text = _XML_INVALID.sub("", str(value)) if value not in (None, "") else ""
        if text:
            ET.SubElement(root, tag).text = text

    add("Title", book.title)
    add("Series", book.series or book.title)
    add("Number", book.issue if book.issue is not None else 1)
    add("Notes", "Created with Inkframe Studio")
    add("Writer", book.writer)
    add("PageCount", len(pages))
    add("LanguageISO", book.language)
    add("Manga", "YesAndRightToLeft" if book.reading_direction == "rtl" else "No")
    add("Characters", ", ".join(member.name for member in book.cast))
    pages_el = ET.SubElement(root, "Pages")
    for index, page in enumerate(pages):
        attrs = {
            "Image": str(index),
            "ImageSize": str(len(page.png)),
            "ImageWidth": str(page.width),
            "ImageHeight": str(page.height),
        }
        if index == 0:
            attrs = {"Image": "0", "Type": "FrontCover", **{k: v for k, v in attrs.items() if k != "Image"}}
        ET.SubElement(pages_el, "Page", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_cbz(composed: ComposedBook, pages: Sequence[EncodedPage], path: Path) -> Path:
    """A CBZ: the pages in reading order (001.png ...) and ComicInfo.xml; PNGs stored uncompressed."""
    width = max(3, len(str(len(pages))))
    with zipfile.ZipFile(path, "w") as archive:
        for index, page in enumerate(pages, start=1):
            archive.writestr(
                zipfile.ZipInfo(f"{index:0{width}d}.png", date_time=(2020, 1, 1, 0, 0, 0)),
                page.png,
                compress_type=zipfile.ZIP_STORED,
            )
        info = zipfile.ZipInfo("ComicInfo.xml", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, comic_info_xml(composed, pages), compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_webtoon(composed: ComposedBook, folder: Path, slug: str, max_height: int = WEBTOON_MAX_HEIGHT) -> list[Path]:
    """The book reflowed into one column (app/comic/webtoon.py): `<slug>_strip.png`, the continuous
    strip, then `<slug>_001.png` ... slices at most `max_height` tall, cut only in gutters."""
    from .webtoon import reflow_book, reflow_pages, slice_bounds

    if max_height < 64:
        raise ExportError(f"The webtoon slice height {max_height} is too small; use at least 64 pixels.")
    if composed.art is not None:
        strip = reflow_book(composed.book, composed.art, options=composed.options)
    else:
        strip = reflow_pages(composed.pages)
    folder.mkdir(parents=True, exist_ok=True)
    whole = folder / f"{slug}_strip.png"
    strip.image.save(whole, optimize=False, compress_level=3)
    paths = [whole]
    for index, (top, bottom) in enumerate(slice_bounds(strip, max_height), start=1):
        path = folder / f"{slug}_{index:03d}.png"
        strip.image.crop((0, top, strip.image.width, bottom)).save(path, optimize=False, compress_level=3)
        paths.append(path)
    return paths


def contact_sheet(
    images: Sequence[Image.Image],
    *,
    columns: int = 4,
    thumb_width: int = CONTACT_THUMB_WIDTH,
    labels: Sequence[str] | None = None,
) -> Image.Image:
    """Thumbnails of every page in a grid, each labelled with its page number."""
    if not images:
        raise ExportError("There are no pages for a contact sheet.")
    thumbs = [
        im.resize((thumb_width, max(1, round(im.height * thumb_width / im.width))), Image.Resampling.LANCZOS)
        for im in images
    ]
    cell_h = max(t.height for t in thumbs) + 28
    columns = max(1, min(columns, len(thumbs)))
    rows = (len(thumbs) + columns - 1) // columns
    pad = 16
    sheet = Image.new("RGB", (columns * (thumb_width + pad) + pad, rows * (cell_h + pad) + pad), (236, 236, 236))
    draw = ImageDraw.Draw(sheet)
    from .fonts import resolve_font

    font = resolve_font("caption", "Page 0123456789", size=16).load()
    for index, thumb in enumerate(thumbs):
        x = pad + (index % columns) * (thumb_width + pad)
        y = pad + (index // columns) * (cell_h + pad)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline=(90, 90, 90))
        label = labels[index] if labels else f"Page {index + 1}"
        draw.text((x + thumb_width / 2, y + thumb.height + 14), label, font=font, fill=(30, 30, 30), anchor="mm")
    return sheet


def export_book(
    composed: ComposedBook, out_dir: str | Path, formats: Iterable[str], *, webtoon_max_height: int = WEBTOON_MAX_HEIGHT
) -> ExportResult:
    """Write the requested formats (see EXPORT_FORMATS) of a composed book into `out_dir`."""
    formats = parse_formats(list(formats))
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Output folder {str(out)!r} cannot be created ({exc.strerror or exc}).") from None
    result = ExportResult()
    slug = slugify(composed.book.title)
    encoded = encode_pages(composed) if {"png", "pdf", "cbz"} & set(formats) else []
    try:
        if "png" in formats:
            for path in write_pngs(encoded, out):
                result.add("png", path)
        if "pdf" in formats:
            result.add("pdf", write_pdf(encoded, out / f"{slug}.pdf", title=composed.book.title))
        if "cbz" in formats:
            result.add("cbz", write_cbz(composed, encoded, out / f"{slug}.cbz"))
        images = [page.image for page in composed.pages]
        if "webtoon" in formats:
            for path in write_webtoon(composed, out / "webtoon", slug, webtoon_max_height):
                result.add("webtoon", path)
        if "contact" in formats:
            path = out / f"{slug}_contact.png"
            contact_sheet(images, labels=[f"Page {p.number}" for p in composed.pages]).save(path)
            result.add("contact", path)
    except OSError as exc:
        raise ExportError(f"Could not write into {str(out)!r} ({exc.strerror or exc}).") from None
    return result
