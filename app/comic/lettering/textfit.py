"""Text fitting: wrap a balloon's words to its shape (ellipse or box), hyphenate when a line would
otherwise be left short, and choose the largest font size between min and max that fits.

Right-to-left text: Pillow's RAQM engine shapes and orders it when present; without RAQM the lines
are reshaped (arabic-reshaper) and reordered (python-bidi) for display.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

ShapeKind = Literal["ellipse", "box"]
_CJK_RE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_NO_LINE_START = set("、。，．・：；？！）」』】〕ー…‥ゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
LINE_SPACING = 1.12
PAD_X = 0.45  # horizontal padding inside the shape, in font sizes
PAD_Y = 0.35


@dataclass(frozen=True)
class TextBlock:
    """Wrapped text at one font size, and the shape size that holds it."""

    lines: tuple[str, ...]
    size: int
    line_height: int
    shape_width: int
    shape_height: int
    fits: bool  # False: even the minimum size overflowed the maximum shape (the shape grew instead)

    @property
    def text_height(self) -> int:
        return self.line_height * len(self.lines)


@lru_cache(maxsize=8)
def _hyphenator(language: str) -> Any:
    import pyphen

    name = pyphen.language_fallback(language.replace("-", "_")) if language else None
    return pyphen.Pyphen(lang=name) if name else None


def is_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def tokenize(text: str) -> tuple[list[str], str]:
    """Words (or characters for CJK text) and the separator that joins them on a line."""
    text = " ".join(text.split())
    if is_cjk(text):
        tokens: list[str] = []
        for ch in text:
            if ch == " ":
                continue
            if tokens and ch in _NO_LINE_START:
                tokens[-1] += ch  # kinsoku: closing marks never start a line
            else:
                tokens.append(ch)
        return tokens, ""
    return text.split(" ") if text else [], " "


def display_text(line: str, *, raqm: bool) -> str:
    """The string to hand to Pillow: as is with RAQM, reshaped and reordered without it."""
    if raqm or not any(unicodedata.bidirectional(c) in ("R", "AL") for c in line):
        return line
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(line))


WrapMode = Literal["words", "hyphenate", "force"]


def wrap_to_caps(
    tokens: list[str],
    sep: str,
    caps: list[float],
    measure: Callable[[str], float],
    language: str,
    mode: WrapMode = "hyphenate",
) -> list[str] | None:
    """Greedy wrap into lines no wider than caps[i]; None when the tokens need more lines.

    mode "words" never breaks a word; "hyphenate" breaks at hyphenation points when a line would
    otherwise stay short; "force" also breaks unbreakable tokens between characters.
    """
    lines: list[str] = []
    current = ""
    pending = list(reversed(tokens))
    hyph = _hyphenator(language) if sep and mode != "words" else None
    while pending:
        if len(lines) >= len(caps):
            return None
        cap = caps[len(lines)]
        token = pending.pop()
        candidate = f"{current}{sep}{token}" if current else token
        if measure(candidate) <= cap:
            current = candidate
            continue
        filled = measure(current) if current else 0.0
        if current and filled >= 0.62 * cap:
            lines.append(current)
            current = ""
            pending.append(token)
            continue
        split = _split_word(token, current, sep, cap, measure, hyph, force=mode == "force" or not sep)
        if split is not None:
            head, rest = split
            lines.append(head)
            current = ""
            if rest:
                pending.append(rest)
            continue
        if current:
            lines.append(current)
            current = ""
            pending.append(token)
            continue
        return None  # a single token wider than an empty line and no place to break it
    if current:
        if len(lines) >= len(caps):
            return None
        lines.append(current)
    return lines


def _split_word(
    token: str, current: str, sep: str, cap: float, measure: Callable[[str], float], hyph: Any, *, force: bool
) -> tuple[str, str] | None:
    """Break `token` so that its head (with a hyphen) ends the current line."""
    prefix = f"{current}{sep}" if current else ""
    if hyph is not None and 6 <= len(token) <= 40:  # longer tokens are not words (URLs, noise)
        for head, tail in hyph.iterate(token):  # longest head first
            if len(head) >= 3 and len(tail.strip(".,!?;:'\"…")) >= 3 and measure(f"{prefix}{head}-") <= cap:
                return f"{prefix}{head}-", tail
    if not force or current or len(token) < 2:
        return None
    # an unbreakable token (a long name, a URL, a CJK run): break between characters, at the
    # longest head that fits (binary search: the width grows with the head)

    def head_of(cut: int) -> str:
        return token[:cut] + ("-" if sep and token[cut - 1].isalpha() and token[cut].isalpha() else "")

    low, high = 0, len(token) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if measure(head_of(mid)) <= cap:
            low = mid
        else:
            high = mid - 1
    return (head_of(low), token[low:]) if low > 0 else None


def _ellipse_caps(n: int, a: float, b: float, line_height: float, pad: float) -> list[float] | None:
    """Usable widths of n lines centred in an ellipse with semi-axes a, b."""
    if n * line_height > 2 * b * 0.9:
        return None
    caps = []
    for j in range(n):
        y = abs((j - (n - 1) / 2) * line_height) + line_height / 2
        inside = 1 - (y / b) ** 2
        if inside <= 0:
            return None
        caps.append(2 * a * math.sqrt(inside) - 2 * pad)
    return caps if min(caps) > 0 else None


def layout_at_size(
    tokens: list[str],
    sep: str,
    size: int,
    measure: Callable[[str], float],
    *,
    shape: ShapeKind,
    max_width: int,
    max_height: int,
    language: str,
) -> TextBlock | None:
    """The smallest shape no bigger than max_width x max_height that holds the text at `size`."""
    line_height = max(1, round(size * LINE_SPACING))
    pad_x, pad_y = PAD_X * size, PAD_Y * size
    if shape == "box":
        cap = max_width - 2 * pad_x
        if cap <= 0:
            return None
        lines = wrap_to_caps(tokens, sep, [cap] * 200, measure, language, "hyphenate") or wrap_to_caps(
            tokens, sep, [cap] * 200, measure, language, "force"
        )
        if not lines:
            return None
        width = int(math.ceil(max(measure(line) for line in lines) + 2 * pad_x))
        height = int(math.ceil(len(lines) * line_height + 2 * pad_y))
        return TextBlock(tuple(lines), size, line_height, width, height, True) if height <= max_height else None
    for mode in ("words", "hyphenate", "force"):
        block = _ellipse_block(
            tokens, sep, size, measure, line_height, pad_x, pad_y, max_width, max_height, language, mode
        )  # type: ignore[arg-type]
        if block is not None:
            return block
    return None


def _ellipse_block(
    tokens: list[str],
    sep: str,
    size: int,
    measure: Callable[[str], float],
    line_height: int,
    pad_x: float,
    pad_y: float,
    max_width: int,
    max_height: int,
    language: str,
    mode: WrapMode,
) -> TextBlock | None:
    total = measure(sep.join(tokens))
    # Start near the ellipse whose area holds the text, then grow; aspect about 1.45 : 1. Short
    # lines (up to about five ems) are not broken at all: start wide enough for them.
    a = max(
        size * 1.4,
        math.sqrt(total * line_height * 1.45 / (math.pi * 0.52)),
        (min(total, 5 * size) + 2 * pad_x) / 2 / 0.9,
    )
    a = min(a, max_width / 2)
    while 2 * a <= max_width + 1e-6:
        b = min(a / 1.45, max_height / 2)
        for n in range(1, int(2 * b * 0.9 / line_height) + 1):
            caps = _ellipse_caps(n, a, b, line_height, pad_x)
            if caps is None:
                break
            lines = wrap_to_caps(tokens, sep, caps, measure, language, mode)
            if lines is not None and _orphan(lines, measure) and 2 * a * 1.08 <= max_width:
                break  # a lone short last line: try a wider balloon first
            if lines is not None:
                needed_b = max(b * 0.75, (len(lines) * line_height / 2 + pad_y) * 1.25)
                return TextBlock(
                    tuple(lines), size, line_height, int(math.ceil(2 * a)), int(math.ceil(2 * min(b, needed_b))), True
                )
        a *= 1.08
    return None


def _orphan(lines: list[str], measure: Callable[[str], float]) -> bool:
    """True when the last of several lines is a stub (under a quarter of the line before it)."""
    return len(lines) > 1 and measure(lines[-1]) < 0.25 * measure(lines[-2])


def fit_text(
    text: str,
    font_for_size: Callable[[int], Any],
    *,
    shape: ShapeKind,
    min_size: int,
    max_size: int,
    max_width: int,
    max_height: int,
    language: str = "en",
    raqm: bool = True,
) -> TextBlock:
    """The largest size in [min_size, max_size] at which `text` fits the shape limits.

    When not even `min_size` fits, the block is laid out at `min_size` in a shape as big as it must
    be (`fits=False`): the caller reports it; the text is never cut.
    """
    tokens, sep = tokenize(text)
    if not tokens:
        tokens, sep = [text.strip() or " "], " "
    size = max_size
    while True:
        font = font_for_size(size)
        cache: dict[str, float] = {}

        def measure(line: str, font: Any = font, cache: dict[str, float] = cache) -> float:
            if line not in cache:
                cache[line] = font.getlength(display_text(line, raqm=raqm)) if line else 0.0
            return cache[line]

        block = layout_at_size(
            tokens, sep, size, measure, shape=shape, max_width=max_width, max_height=max_height, language=language
        )
        if block is not None:
            return block
        if size <= min_size:
            break
        size = max(min_size, int(size * 0.92))
    # Not even the minimum fits: grow the shape (up to 6x) rather than cut the text.
    for grow in (1.25, 1.6, 2.0, 3.0, 4.5, 6.0):
        block = layout_at_size(
            tokens,
            sep,
            min_size,
            measure,
            shape=shape,
            max_width=int(max_width * grow),
            max_height=int(max_height * grow),
            language=language,
        )
        if block is not None:
            return TextBlock(block.lines, block.size, block.line_height, block.shape_width, block.shape_height, False)
    lines = tuple(tokens)
    width = int(max(measure(t) for t in lines) + 2 * PAD_X * min_size)
    line_height = round(min_size * LINE_SPACING)
    return TextBlock(lines, min_size, line_height, width, line_height * len(lines) + int(2 * PAD_Y * min_size), False)
