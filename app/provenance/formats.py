"""Which files can carry a C2PA manifest here, and how to state in a file that it carries none.

c2pa-python 0.38 (c2pa-rs 0.91) embeds manifests in PNG, JPEG, WebP, GIF, TIFF, AVIF/HEIF, MP4/MOV/M4V,
PDF and ZIP (a CBZ is a ZIP). It has no WebM/Matroska handler, so a .webm or .mkv cannot be signed; such
files get a `C2PA` tag saying so (written with ffmpeg, streams copied), and so do unsigned outputs when
`provenance.allow_unsigned` is on (PNG: a tEXt chunk, JPEG: a COM segment, WebP: an XMP chunk; pixels
untouched; GIF and the rest: only the log says it).
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from pathlib import Path

SIGNABLE: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".pdf": "application/pdf",
    ".cbz": "application/x-zip",
    ".zip": "application/x-zip",
}
VIDEO_TAGGABLE = frozenset({".webm", ".mkv", ".mp4", ".mov"})
UNSUPPORTED_WHY = {
    ".webm": "WebM (Matroska) has no C2PA embedding in c2pa-python 0.38 / c2pa-rs 0.91; save as .mp4 for credentials",
    ".mkv": "Matroska has no C2PA embedding in c2pa-python 0.38 / c2pa-rs 0.91; save as .mp4 for credentials",
}
STATEMENT_KEY = "C2PA"
FFMPEG_TIMEOUT_S = 600.0


def mime_for(path: Path) -> str | None:
    return SIGNABLE.get(path.suffix.lower())


def unsupported_reason(path: Path) -> str:
    suffix = path.suffix.lower()
    return UNSUPPORTED_WHY.get(
        suffix, f"the {suffix or 'extensionless'} format has no C2PA embedding in c2pa-python 0.38"
    )


def write_statement(path: Path, text: str) -> bool:
    """Put `C2PA: <text>` into the file's own metadata; False when the format has no place for it."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        _replace(path, png_with_text(path.read_bytes(), STATEMENT_KEY, text))
    elif suffix in (".jpg", ".jpeg"):
        _replace(path, jpeg_with_comment(path.read_bytes(), f"{STATEMENT_KEY}: {text}"))
    elif suffix == ".webp":
        _replace(path, webp_with_xmp(path.read_bytes(), text))
    elif suffix in VIDEO_TAGGABLE:
        _tag_video(path, text)
    else:
        return False
    return True


def read_statement(path: Path) -> str | None:
    """The `C2PA` statement written by write_statement, when there is one."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".png":
            return png_text(path.read_bytes()).get(STATEMENT_KEY)
        if suffix in (".jpg", ".jpeg"):
            marker = f"{STATEMENT_KEY}: ".encode()
            data = path.read_bytes()[: 1 << 20]
            start = data.find(marker)
            if start >= 0:
                length = struct.unpack(">H", data[start - 2 : start])[0]
                return data[start + len(marker) : start - 2 + length].decode("utf-8", "replace")
            return None
        if suffix == ".webp":
            return webp_statement(path.read_bytes())
        if suffix in VIDEO_TAGGABLE:
            return _video_tag(path)
    except (OSError, struct.error, subprocess.SubprocessError):
        return None
    return None


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk of a PNG file."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def png_from_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, payload in chunks:
        out.append(struct.pack(">I4s", len(payload), kind) + payload + struct.pack(">I", zlib.crc32(kind + payload)))
    return b"".join(out)


def png_text(data: bytes) -> dict[str, str]:
    texts = {}
    for kind, payload in png_chunks(data):
        if kind == b"tEXt" and b"\x00" in payload:
            key, value = payload.split(b"\x00", 1)
            texts[key.decode("latin-1")] = value.decode("latin-1")
    return texts


def png_with_text(data: bytes, key: str, value: str) -> bytes:
    chunks = [c for c in png_chunks(data) if not (c[0] == b"tEXt" and c[1].startswith(key.encode() + b"\x00"))]
    text = (b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1", "replace"))
    return png_from_chunks(chunks[:1] + [text] + chunks[1:])


def png_with_texts(data: bytes, texts: dict[str, str]) -> bytes:
    """PNG bytes with these tEXt chunks, in this order right after IHDR (same-named ones replaced, every other chunk
    kept); bytes that are not a PNG are returned as they are."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return data
    for key, value in reversed(list(texts.items())):
        data = png_with_text(data, key, value)
    return data


def jpeg_with_comment(data: bytes, comment: str) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG file")
    payload = comment.encode("utf-8")[:65000]
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP file")
    chunks, offset = [], 12
    while offset + 8 <= len(data):
        kind, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        chunks.append((kind, data[offset + 8 : offset + 8 + size]))
        offset += 8 + size + (size & 1)
    return chunks


def webp_with_xmp(data: bytes, text: str) -> bytes:
    """The WebP with an XMP chunk holding `C2PA: text` (made extended with a VP8X header when simple)."""
    chunks = [c for c in webp_chunks(data) if c[0] != b"XMP "]
    if chunks[0][0] != b"VP8X":
        width, height = _webp_size(chunks[0])
        chunks.insert(
            0, (b"VP8X", b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
        )
    flags = chunks[0][1][0] | 0x04  # the XMP flag
    chunks[0] = (b"VP8X", bytes([flags]) + chunks[0][1][1:])
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    xmp = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:inkframe="https://inkframe.studio/ns/1.0/" inkframe:{STATEMENT_KEY}="{escaped}"/>'
        f"</rdf:RDF></x:xmpmeta>"
    ).encode()
    chunks.append((b"XMP ", xmp))
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def webp_statement(data: bytes) -> str | None:
    import html

    for kind, payload in webp_chunks(data):
        if kind == b"XMP ":
            marker = f'inkframe:{STATEMENT_KEY}="'.encode()
            start = payload.find(marker)
            if start >= 0:
                end = payload.index(b'"', start + len(marker))
                return html.unescape(payload[start + len(marker) : end].decode("utf-8", "replace"))
    return None


def _webp_size(chunk: tuple[bytes, bytes]) -> tuple[int, int]:
    kind, payload = chunk
    if kind == b"VP8 ":  # lossy: frame tag (3), start code (3), then 14-bit width and height
        return (struct.unpack("<H", payload[6:8])[0] & 0x3FFF, struct.unpack("<H", payload[8:10])[0] & 0x3FFF)
    if kind == b"VP8L":  # lossless: signature byte, then 14 bits width - 1, 14 bits height - 1
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise ValueError(f"unexpected WebP chunk {kind!r}")


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.c2pa.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _tag_video(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.c2pa.part{path.suffix}")
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-i",
        str(path),
        "-map",
        "0",
        "-c",
        "copy",
        "-map_metadata",
        "0",
        "-metadata",
        f"{STATEMENT_KEY}={text}",
    ]
    if path.suffix.lower() in (".mp4", ".mov"):
        command += ["-movflags", "use_metadata_tags"]  # otherwise the MP4 muxer drops keys it does not know
    command.append(str(temporary))
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=FFMPEG_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as exc:
        temporary.unlink(missing_ok=True)
        raise OSError(f"ffmpeg could not tag {path.name}: {exc}") from None
    os.replace(temporary, path)


def _video_tag(path: Path) -> str | None:
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            f"format_tags={STATEMENT_KEY}",
            "-of",
            "default=nw=1:nk=1",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip() or None
