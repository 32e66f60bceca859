"""Lettering fonts: the shipped open-licensed comic fonts plus a fallback chain for CJK and RTL text.

API (stable; the lettering code calls it):

- `resolve_font(role, text, preferred=None, size=36) -> FontChoice`
  `role` is one of `FONT_ROLES` ("dialogue", "caption", "sfx", "title"). Returns the first font whose
  character map covers every character of `text` (whitespace and invisible format characters are
  ignored): `preferred` first when given, then the role's chain from `fonts/fonts.yaml`, e.g.
  Comic Neue -> Noto Sans CJK JP -> Noto Sans Arabic -> Noto Sans Hebrew -> DejaVu Sans for dialogue,
  then any installed font fontconfig lists for the characters (e.g. Noto Sans Thai).
  `preferred` is a catalogue name (see `list_fonts()`) or a path to a .ttf/.otf/.ttc file.
  Raises `FontError` for an unknown font name, a bad size, a character no available font has
  ("... U+1F600 ..."), or text that mixes scripts no single font covers.
- `FontChoice`: name, path, index (face in a .ttc), size, role, fallback (True when not the first
  choice), direction ("ltr" or "rtl"), shipped; `.load()` -> PIL `FreeTypeFont` (cached),
  `.with_size(n)` -> the same font at another size.
- `list_fonts() -> list[FontInfo]`: every catalogue font with its path (None when not installed) and
  licence file (shipped fonts only).
- `covers(path, text, index=0) -> bool` and `text_direction(text) -> "ltr" | "rtl"`.

Pillow's RAQM layout engine (bundled in Pillow's wheels) shapes Arabic and orders RTL text, so the
lettering code can draw `text` as is with the chosen font.

Shipped fonts (in `fonts/`, each with its SIL OFL 1.1 licence text): Comic Neue (Regular, Bold,
Italic, Bold Italic) and Fredoka One. The big script fonts (Noto CJK, Noto Arabic/Hebrew, DejaVu)
are found at run time: known Debian paths first, then `fc-match` (2 s timeout).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from ..errors import InkframeError

FontRole = Literal["dialogue", "caption", "sfx", "title"]
FONT_ROLES: tuple[str, ...] = get_args(FontRole)
TextDirection = Literal["ltr", "rtl"]

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
CATALOGUE_FILE = FONTS_DIR / "fonts.yaml"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
MIN_SIZE, MAX_SIZE = 4, 2000
FC_MATCH_TIMEOUT_S = 2.0
_IGNORED_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}


class FontError(InkframeError):
    """A font that does not exist, or text that no available font can draw."""


@dataclass(frozen=True)
class FontInfo:
    """One catalogue entry; `path` is None when a system font is not installed here."""

    name: str
    path: Path | None
    index: int
    shipped: bool
    licence: Path | None


@dataclass(frozen=True)
class FontChoice:
    """The font resolve_font() picked for a piece of text."""

    name: str
    path: Path
    index: int
    size: int
    role: str
    fallback: bool
    direction: TextDirection
    shipped: bool

    def load(self) -> Any:
        """The PIL ImageFont.FreeTypeFont for this choice (cached per path, face and size)."""
        return _load_pil_font(str(self.path), self.index, self.size)

    def with_size(self, size: int) -> FontChoice:
        _check_size(size)
        return replace(self, size=size)


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def list_fonts() -> list[FontInfo]:
    """Every font the catalogue knows, shipped ones first."""
    data = _catalogue()
    fonts = [
        FontInfo(entry["name"], FONTS_DIR / entry["file"], 0, True, FONTS_DIR / entry["licence"])
        for entry in data["shipped"]
    ]
    for entry in data["system"]:
        found = _find_system_font(entry["name"])
        fonts.append(FontInfo(entry["name"], found[0] if found else None, found[1] if found else 0, False, None))
    return fonts


def text_direction(text: str) -> TextDirection:
    """ "rtl" when the first strong character of `text` is right-to-left (Hebrew, Arabic ...)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def covers(path: str | Path, text: str, index: int = 0) -> bool:
    """True when the font file's cmap has every visible character of `text`."""
    return not _missing(_charmap(str(path), index), text)


def resolve_font(role: FontRole, text: str, preferred: str | None = None, size: int = 36) -> FontChoice:
    """Pick the font for `text` in a lettering role; see the module docstring."""
    if role not in FONT_ROLES:
        raise FontError(f"Unknown lettering role {role!r}; use one of {', '.join(FONT_ROLES)}.")
    _check_size(size)
    if not isinstance(text, str):
        raise FontError(f"Lettering text must be a string, got {type(text).__name__}.")
    candidates: list[tuple[str, Path, int, bool]] = []
    if preferred:
        candidates.append(_locate(preferred))
    for name in _catalogue()["roles"][role]:
        found = _locate_optional(name)
        if found and found[:3] not in [c[:3] for c in candidates]:
            candidates.append(found)
    direction = text_direction(text)
    uncovered: set[str] | None = None
    for position, (name, path, index, shipped) in enumerate(candidates):
        missing = _missing(_charmap(str(path), index), text)
        if not missing:
            return FontChoice(name, path, index, size, role, position > 0, direction, shipped)
        uncovered = missing if uncovered is None else uncovered & missing
    found = _fontconfig_fallback(role, text)  # any other installed font (Thai, Devanagari ...)
    if found is not None:
        return FontChoice(found[0], found[1], found[2], size, role, True, direction, False)
    uncovered = {c for c in uncovered or set() if not _fontconfig_list(c)}
    if uncovered:
        chars = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in sorted(uncovered)[:5])
        raise FontError(
            f"No available font has the character {chars}; "
            "install a font that covers it (e.g. Debian fonts-noto-core) or change the text."
        )
    raise FontError(
        f"No single available font covers all of {text[:40]!r}; split the text by script into separate balloons."
    )


def _check_size(size: int) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_SIZE <= size <= MAX_SIZE:
        raise FontError(f"Font size must be a whole number of pixels from {MIN_SIZE} to {MAX_SIZE}, got {size!r}.")


def _missing(charmap: frozenset[int], text: str) -> set[str]:
    return {c for c in text if ord(c) not in charmap and unicodedata.category(c) not in _IGNORED_CATEGORIES}


def _locate(name: str) -> tuple[str, Path, int, bool]:
    """A catalogue name or a font file path -> (name, path, face index, shipped); FontError if unknown."""
    found = _locate_optional(name)
    if found:
        return found
    as_path = Path(name).expanduser()
    if as_path.suffix.lower() in FONT_SUFFIXES:
        if not as_path.is_file():
            raise FontError(f"Font file {name!r} does not exist.")
        try:
            _charmap(str(as_path), 0)
        except Exception as exc:  # fontTools raises many types for a damaged file
            raise FontError(f"Font file {name!r} cannot be read as a font ({exc.__class__.__name__}).") from exc
        return as_path.stem, as_path, 0, False
    known = [info.name for info in list_fonts() if info.path is not None]
    if any(info.name == name for info in list_fonts()):
        raise FontError(
            f"Font {name!r} is not installed on this machine; install it or pick one of: {', '.join(known)}."
        )
    raise FontError(f"Unknown font {name!r}; pick one of: {', '.join(known)}, or give a path to a .ttf/.otf file.")


def _locate_optional(name: str) -> tuple[str, Path, int, bool] | None:
    for entry in _catalogue()["shipped"]:
        if entry["name"] == name:
            return name, FONTS_DIR / entry["file"], 0, True
    found = _find_system_font(name)
    return (name, found[0], found[1], False) if found else None


@functools.lru_cache(maxsize=64)
def _find_system_font(name: str) -> tuple[Path, int] | None:
    entry = next((e for e in _catalogue()["system"] if e["name"] == name), None)
    if entry is None:
        return None
    for raw in entry.get("paths", []):
        path = Path(raw)
        if path.is_file():
            return path, _face_index(path, entry.get("face"))
    matched = _fc_match(entry.get("fc_pattern", name))
    if matched and matched[0].is_file():
        path = matched[0]
        family = _family_name(str(path), matched[1]).lower()
        wanted = name.lower().replace(" bold", "")
        if family.startswith(wanted) or wanted.startswith(family):
            return path, matched[1]
    return None


def _fc_match(pattern: str) -> tuple[Path, int] | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT_S,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    file, _, index = out.partition("|")
    return (Path(file), int(index or 0)) if file else None


def _fontconfig_fallback(role: str, text: str) -> tuple[str, Path, int] | None:
    """The installed font fontconfig lists for the text's characters that best suits lettering
    (sans before serif, no mono/UI/looped variants, bold for sfx and title), checked with its cmap."""
    want_bold = role in ("sfx", "title")
    ranked = []
    for line in _fontconfig_list(text):
        file, index, family, style = (line.split("|") + ["", "", "", ""])[:4]
        if not file or not Path(file).is_file() or not index.isdigit():
            continue
        lowered = f"{family} {style}".lower()
        penalty = sum(word in lowered for word in ("serif", "mono", "looped", " ui", "display", "italic", "condensed"))
        ranked.append((penalty, ("bold" in lowered) != want_bold, family, file, int(index)))
    for _, _, family, file, index in sorted(ranked):
        if not _missing(_charmap(file, index), text):
            return family + (" Bold" if want_bold else ""), Path(file), index
    return None


@functools.lru_cache(maxsize=256)
def _fontconfig_list(text: str) -> tuple[str, ...]:
    """fc-list lines "file|index|family|style" of the installed fonts that have every character of `text`."""
    chars = sorted({c for c in text if unicodedata.category(c) not in _IGNORED_CATEGORIES})
    if not chars or shutil.which("fc-list") is None:
        return ()
    pattern = ":charset=" + " ".join(f"{ord(c):x}" for c in chars[:64])
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{file}|%{index}|%{family[0]}|%{style[0]}\n", pattern],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_TIMEOUT_S,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(line for line in listing.splitlines() if line.strip())


def _face_index(path: Path, family: str | None) -> int:
    if family is None or path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == family:
            return index
    return 0


@functools.lru_cache(maxsize=32)
def _family_name(path: str, index: int) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return font["name"].getDebugName(1) or ""


@functools.lru_cache(maxsize=32)
def _charmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@functools.lru_cache(maxsize=128)
def _load_pil_font(path: str, index: int, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(path, size=size, index=index)
