"""Panel art as it fills its panel (cropped, fitted, framed), kept between redraws of the same page.

A balloon edit changes only the lettering, so the page's art is the same as last time: with an ArtCache
`compose_page` reuses each panel's fitted tile (and the faces found in it) instead of decoding, resizing
and framing the art again. Entries are keyed by the art file (path, size and modification time: a
regenerated panel is a new entry) and everything that shapes the tile; the cache holds at most
`max_bytes` of pixels and drops the least recently used tiles first.

    cache = ArtCache()
    compose_page(book, page, art, cache=cache)   # the first call fills it, later ones reuse the tiles
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

DEFAULT_MAX_BYTES = 160 * 1024 * 1024  # about 30 pages of six panels at the preview's 150 DPI


@dataclass(frozen=True)
class TileKey:
    """Everything a fitted tile depends on. `source` is (resolved path, size in bytes, mtime in ns)."""

    source: tuple[str, int, int]
    size: tuple[int, int]
    focus: tuple[float, float]
    border: tuple[int, str, int]  # width in px (0: none), style, seed
    detect: bool


@dataclass(frozen=True)
class FittedTile:
    """A panel's art cropped to its box and framed; `regions` the faces/figures found in it (or None)."""

    image: Image.Image
    regions: Any = None
    warning: str | None = None


def source_key(source: str | Path) -> tuple[str, int, int] | None:
    """(resolved path, size, mtime_ns) of an art file; None when it cannot be read (no caching then)."""
    try:
        path = Path(source).resolve()
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_size, stat.st_mtime_ns)


class ArtCache:
    """A thread-safe LRU of fitted panel tiles, bounded by the bytes of their pixels."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[TileKey, FittedTile] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: TileKey) -> FittedTile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return tile

    def put(self, key: TileKey, tile: FittedTile) -> None:
        size = _bytes(tile.image)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= _bytes(old.image)
            self._tiles[key] = tile
            self._bytes += size
            while self._bytes > self.max_bytes and self._tiles:
                _, dropped = self._tiles.popitem(last=False)
                self._bytes -= _bytes(dropped.image)

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._tiles)

    @property
    def bytes(self) -> int:
        return self._bytes


def _bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())
