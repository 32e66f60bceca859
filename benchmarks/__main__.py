"""Run the benchmarks: `.venv/bin/python -m benchmarks [NAME ...]`.

Each `benchmarks/bench_<name>.py` exposes `main() -> int` and prints its figures as ratios against
a baseline measured in the same run. With no names every benchmark runs; `NAME` is the part after
`bench_` (e.g. `python -m benchmarks comic queue`). Options after one name go to that benchmark
(`python -m benchmarks families --families flux --panels 3`).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    return sorted(path.stem[len("bench_") :] for path in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    available = discover()
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option] or available, argv[first_option:]
    unknown = [name for name in names if name not in available]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    if options and len(names) != 1:
        print(f"options ({' '.join(options)}) go to one benchmark; name exactly one before them.", file=sys.stderr)
        return 2
    failures = 0
    for name in names:
        print(f"=== {name} ===", flush=True)
        started = time.perf_counter()
        bench_main = importlib.import_module(f"benchmarks.bench_{name}").main
        if options and not inspect.signature(bench_main).parameters:
            print(f"benchmark {name} takes no options; run it without {' '.join(options)}.", file=sys.stderr)
            return 2
        status = bench_main(options) if options else bench_main()
        failures += int(bool(status))
        print(f"--- {name}: {'ok' if not status else 'FAILED'} in {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
