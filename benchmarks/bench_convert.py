"""UI->API conversion of the largest format-0.4 template (subgraphs, frontend 1.58 rules) against json.loads of
the same file (the floor any conversion pays), measured in the same run. Target: < 20 ms per conversion of the
parsed workflow, judged on the best of 30 calls (medians are printed too, with the load average: on a shared
machine they measure the neighbours as much as the code).

Templates: the golden pairs in ../shared/comfyui/conversions-1.58/ and conversions/ (the `workflow` of each), plus
every *.json under $INKFRAME_TEMPLATES_DIR when set (e.g. the unpacked comfyui-workflow-templates-json package).

Run: `.venv/bin/python -m benchmarks convert` or `.venv/bin/python benchmarks/bench_convert.py`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.workflows.convert import to_api_prompt  # noqa: E402
from app.workflows.lint import shared_comfyui_dir  # noqa: E402
from app.workflows.widgets import NodeSpecs  # noqa: E402

TARGET_MS = 20.0


def timings_ms(run: Callable[[], object], repeat: int = 30) -> tuple[float, float]:
    """(median, best) of `repeat` timed calls after one warm-up call."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def candidates(shared: Path) -> Iterator[tuple[Path, dict]]:
    for folder in (shared / "conversions-1.58", shared / "conversions"):
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            yield path, json.loads(path.read_text(encoding="utf-8"))["workflow"]
    extra = os.environ.get("INKFRAME_TEMPLATES_DIR")
    for path in sorted(Path(extra).rglob("*.json")) if extra else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("nodes"), list):
            yield path, data


def main() -> int:
    shared = shared_comfyui_dir()
    core_file = shared / "object_info.core.json"
    if not core_file.is_file():
        print("recorded object_info not found (../shared/comfyui); skipped")
        return 0
    core = json.loads(core_file.read_text(encoding="utf-8"))
    v04 = [(path, wf) for path, wf in candidates(shared) if wf.get("version") == 0.4]
    if not v04:
        print("no format-0.4 template found; skipped")
        return 0
    path, workflow = max(v04, key=lambda item: len(json.dumps(item[1])))
    text = json.dumps(workflow)
    subgraphs = (workflow.get("definitions") or {}).get("subgraphs") or []
    nodes = len(workflow["nodes"]) + sum(len(s.get("nodes") or []) for s in subgraphs)
    cold = NodeSpecs(core)
    start = time.perf_counter()
    prompt = to_api_prompt(json.loads(text), cold, strict=False, frontend_version="1.58.1")
    first_ms = (time.perf_counter() - start) * 1000
    specs = NodeSpecs(core)
    parsed = json.loads(text)  # the converter never changes its input, so one parsed copy serves every call
    baseline, baseline_best = timings_ms(lambda: json.loads(text))
    new, new_best = timings_ms(lambda: to_api_prompt(parsed, specs, strict=False, frontend_version="1.58.1"))
    old, _ = timings_ms(lambda: to_api_prompt(parsed, specs, strict=False, frontend_version="1.27.10"))
    loaded, _ = timings_ms(lambda: to_api_prompt(json.loads(text), specs, strict=False, frontend_version="1.58.1"))
    assert parsed == json.loads(text), "the conversion changed its input"
    ok = new_best < TARGET_MS
    print(
        f"largest format-0.4 template of {len(v04)}: {path.name} ({nodes} nodes, {len(subgraphs)} subgraphs, "
        f"{len(text) / 1024:.0f} KiB, {len(prompt)} prompt nodes)"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"  medians: json.loads baseline {baseline:.3f} ms | convert (1.58 rules) {new:.2f} ms, "
        f"ratio {new / baseline:.1f}x "
        f"| 1.27 rules {old:.2f} ms | json.loads + convert {loaded:.2f} ms "
        f"| first call with cold specs {first_ms:.2f} ms"
    )
    print(
        f"  best of 30: json.loads {baseline_best:.3f} ms | convert {new_best:.2f} ms, "
        f"ratio {new_best / baseline_best:.1f}x "
        f"| load average {load:.1f} on {os.cpu_count()} CPUs "
        f"| target < {TARGET_MS:.0f} ms (best of 30): {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
