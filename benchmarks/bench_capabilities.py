"""Capability figures: the whole library's capability table (every workflow converted with parameters resolved,
preflighted, grouped by cause) against a backend with the 8 recorded node packs' /object_info, compared with
json.loads of all the library's files (the floor any check pays), measured in the same run. Target: < 50 ms warm.

Run: `.venv/bin/python -m benchmarks capabilities` or `.venv/bin/python benchmarks/bench_capabilities.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.workflows import list_workflows, load_manifest, load_workflow  # noqa: E402
from app.workflows.capabilities import compute_capabilities  # noqa: E402
from app.workflows.lint import recorded_object_info  # noqa: E402

TARGET_MS = 50.0


def median_ms(run: Callable[[], object], repeat: int = 20) -> float:
    run()  # warm: imports, the manifest, first-use caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    info = recorded_object_info()
    if not info:
        print("recorded object_info not found (../shared/comfyui); skipped")
        return 0
    info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0][:] = ["v1-5-pruned-emaonly.safetensors"]
    paths = list_workflows()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    library = {p.stem: load_workflow(p) for p in paths}
    manifest = load_manifest()
    import json

    start = time.perf_counter()
    report = compute_capabilities(info, library, manifest)
    first_ms = (time.perf_counter() - start) * 1000
    baseline = median_ms(lambda: [json.loads(t) for t in texts])
    warm = median_ms(lambda: compute_capabilities(info, library, manifest))
    ok = warm < TARGET_MS
    print(
        f"{len(report.statuses)} capabilities over {len(paths)} workflows, {len(info)} node types "
        f"({len(report.ready)} ready on this object_info)"
    )
    print(
        f"  json.loads of the library {baseline:.3f} ms | capability table {warm:.2f} ms warm "
        f"(first call {first_ms:.2f} ms)"
        f" | ratio {warm / baseline:.1f}x | target < {TARGET_MS:.0f} ms: {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
