"""Security-limit figures, each a ratio against a baseline measured in the same run.

1. Parse a 20,000-page comic script against a 5,000-page one. Linear parsing gives about 4;
   the old duplicate checks (a scan of every earlier page per heading) gave about 16.
   Target: ratio <= 8 (garbage collection makes even linear work a little steeper).

Run: `.venv/bin/python -m benchmarks security`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.comic.script_parser import parse_script  # noqa: E402

TARGET = 8.0


def script(pages: int) -> str:
    return "Title: T\n\n" + "\n".join(f"PAGE {i}\n\nPanel 1\nA room.\nMARA: Hello.\n" for i in range(1, pages + 1))


def timed(text: str) -> float:
    started = time.perf_counter()
    parse_script(text)
    return time.perf_counter() - started


def main() -> int:
    small, large = script(5_000), script(20_000)
    timed(small)  # warm up
    base = min(timed(small) for _ in range(2))
    big = min(timed(large) for _ in range(2))
    ratio = big / base
    print(f"parse 20k pages: {big:.2f} s vs 5k pages: {base:.2f} s -> ratio {ratio:.1f} (target <= {TARGET:g})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
