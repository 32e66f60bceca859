"""Add container tags to an MP4/MOV file in place, in Python (no ffmpeg child: ~1 ms instead of ~150 ms).

Writes them the way ffmpeg does with `-movflags use_metadata_tags` (and ComfyUI's SaveVideo through PyAV):
`moov/udta/meta` with an `mdta` handler, a `keys` box and an `ilst` box of UTF-8 `data` items, so ffprobe
(app.media.read_tags) reads them back. Existing `mdta` tags are kept (a key given again is replaced). When `moov`
comes before `mdat` (a "faststart" file) the chunk offsets (`stco`/`co64`) are shifted by the size change.
Anything unexpected raises Mp4TagError and leaves the file untouched; the caller then falls back to ffmpeg.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

MAX_MOOV_BYTES = 64 * 1024 * 1024
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts"}


class Mp4TagError(ValueError):
    """The file is not an MP4 this writer understands."""


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int, int]]:
    """(type, offset, header size, total size) of each box in data[start:end]."""
    found, offset = [], start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise Mp4TagError("truncated box header")
            size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise Mp4TagError(f"box {kind!r} runs past its parent")
        found.append((kind, offset, header, size))
        offset += size
    return found


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _read_mdta(meta: bytes) -> dict[str, str]:
    """The key -> UTF-8 value tags of an existing meta box payload (after its version/flags)."""
    children = {kind: (offset, header, size) for kind, offset, header, size in _boxes(meta, 4, len(meta))}
    if b"keys" not in children or b"ilst" not in children:
        return {}
    offset, header, size = children[b"keys"]
    count = struct.unpack(">I", meta[offset + header + 4 : offset + header + 8])[0]
    keys, position = [], offset + header + 8
    for _ in range(count):
        key_size = struct.unpack(">I", meta[position : position + 4])[0]
        keys.append(meta[position + 8 : position + key_size].decode("utf-8", "replace"))
        position += key_size
    tags: dict[str, str] = {}
    offset, header, size = children[b"ilst"]
    for kind, item, item_header, item_size in _boxes(meta, offset + header, offset + size):
        index = struct.unpack(">I", kind)[0]
        for data_kind, data_at, data_header, data_size in _boxes(meta, item + item_header, item + item_size):
            if data_kind == b"data" and 1 <= index <= len(keys):
                tags[keys[index - 1]] = meta[data_at + data_header + 8 : data_at + data_size].decode("utf-8", "replace")
    return tags


def _meta_box(tags: dict[str, str]) -> bytes:
    handler = _box(b"hdlr", b"\0" * 8 + b"mdta" + b"\0" * 13)
    keys = _box(
        b"keys", struct.pack(">II", 0, len(tags)) + b"".join(_box(b"mdta", key.encode("utf-8")) for key in tags)
    )
    items = b"".join(
        _box(struct.pack(">I", index), _box(b"data", struct.pack(">II", 1, 0) + value.encode("utf-8")))
        for index, value in enumerate(tags.values(), start=1)
    )
    return _box(b"meta", b"\0\0\0\0" + handler + keys + _box(b"ilst", items))


def _shift_offsets(moov: bytearray, delta: int) -> None:
    """Add `delta` to every chunk offset (stco / co64) inside a moov box's bytes."""

    def walk(start: int, end: int) -> None:
        for kind, offset, header, size in _boxes(bytes(moov), start, end):
            body = offset + header
            if kind in CONTAINERS:
                walk(body, offset + size)
            elif kind in (b"stco", b"co64"):
                count = struct.unpack(">I", moov[body + 4 : body + 8])[0]
                width, code = (4, ">I") if kind == b"stco" else (8, ">Q")
                for index in range(count):
                    at = body + 8 + index * width
                    value = struct.unpack(code, moov[at : at + width])[0] + delta
                    if kind == b"stco" and value >= 2**32:
                        raise Mp4TagError("a chunk offset no longer fits stco")
                    moov[at : at + width] = struct.pack(code, value)

    walk(8, len(moov))


def _with_tags(moov: bytes, tags: dict[str, str]) -> bytes:
    """The moov box (8-byte header) with udta/meta carrying `tags` merged over its existing mdta tags."""
    parts, udta_found = [], False
    for kind, offset, header, size in _boxes(moov, 8, len(moov)):
        box = moov[offset : offset + size]
        if kind == b"udta":
            udta_found = True
            children, merged = [], dict(tags)
            for child, at, child_header, child_size in _boxes(moov, offset + header, offset + size):
                raw = moov[at : at + child_size]
                payload = raw[child_header:]
                if child == b"meta" and b"mdta" in payload[:40]:
                    merged = {**_read_mdta(payload), **tags}
                    continue
                children.append(raw)
            box = _box(b"udta", b"".join(children) + _meta_box(merged))
        parts.append(box)
    if not udta_found:
        parts.append(_box(b"udta", _meta_box(dict(tags))))
    body = b"".join(parts)
    if len(body) + 8 >= 2**32:
        raise Mp4TagError("moov too large")
    return _box(b"moov", body)


def write_mp4_tags(path: Path | str, tags: dict[str, str]) -> Path:
    """Merge `tags` into the MP4's mdta metadata: the file is rewritten (temporary file, then rename) with a new
    moov box and the media data copied unchanged."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        top, offset = [], 0
        while offset + 8 <= size:
            handle.seek(offset)
            head = handle.read(16)
            box_size, kind = struct.unpack(">I4s", head[:8])
            if box_size == 1:
                box_size = struct.unpack(">Q", head[8:16])[0]
            elif box_size == 0:
                box_size = size - offset
            if box_size < 8 or offset + box_size > size:
                raise Mp4TagError(f"{path.name}: box {kind!r} runs past the end of the file")
            top.append((kind, offset, box_size))
            offset += box_size
        kinds = [kind for kind, _, _ in top]
        if kinds.count(b"moov") != 1 or b"ftyp" not in kinds:
            raise Mp4TagError(f"{path.name} is not an MP4 with one moov box")
        _, moov_at, moov_size = next(box for box in top if box[0] == b"moov")
        if moov_size > MAX_MOOV_BYTES:
            raise Mp4TagError(f"{path.name}: moov box larger than {MAX_MOOV_BYTES} bytes")
        handle.seek(moov_at)
        moov = handle.read(moov_size)
        if struct.unpack(">I", moov[:4])[0] == 1:
            raise Mp4TagError("64-bit moov header")
        new_moov = bytearray(_with_tags(moov, tags))
        delta = len(new_moov) - moov_size
        media_after = any(kind == b"mdat" and at > moov_at for kind, at, _ in top)
        if media_after and delta:
            _shift_offsets(new_moov, delta)
        temporary = path.with_name(f".{path.stem}.tagging{path.suffix}")
        try:
            with open(temporary, "wb") as out:
                handle.seek(0)
                out.write(handle.read(moov_at))
                out.write(new_moov)
                handle.seek(moov_at + moov_size)
                while chunk := handle.read(1024 * 1024):
                    out.write(chunk)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path
