"""Workflow figures: UI->API conversion + preflight of the largest template, against json.loads of the
same file (the floor any conversion pays), measured in the same run. Target: < 20 ms per workflow.

1. The largest built-in workflow (workflows/*.json) against the recorded core + pack object_info.
2. The largest golden template in ../shared/comfyui/conversions/ (when present) against core object_info.

Run: `.venv/bin/python -m benchmarks workflows` or `.venv/bin/python benchmarks/bench_workflows.py`.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.workflows import list_workflows, preflight  # noqa: E402
from app.workflows.convert import to_api_prompt  # noqa: E402
from app.workflows.lint import align_input_lists, project_object_info, recorded_object_info, shared_comfyui_dir  # noqa: E402
from app.workflows.widgets import NodeSpecs  # noqa: E402

TARGET_MS = 20.0


def median_ms(run: Callable[[], object], repeat: int = 30) -> float:
    run()  # warm caches (NodeSpec parsing is cached per object_info)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(label: str, path: Path, object_info: dict) -> bool:
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text)
    workflow = raw.get("workflow", raw)  # golden pairs wrap the UI JSON
    workflow_text = json.dumps(workflow)
    specs = NodeSpecs(object_info)

    def convert_and_check() -> None:
        prompt = to_api_prompt(json.loads(workflow_text), specs)
        preflight(prompt, specs, check_models=False)

    cold = NodeSpecs(object_info)
    start = time.perf_counter()
    preflight(to_api_prompt(json.loads(workflow_text), cold), cold, check_models=False)
    first_ms = (time.perf_counter() - start) * 1000
    baseline = median_ms(lambda: json.loads(workflow_text))
    warm = median_ms(convert_and_check)
    nodes = len(workflow.get("nodes", [])) + sum(
        len(s.get("nodes", [])) for s in (workflow.get("definitions") or {}).get("subgraphs", [])
    )
    ok = warm < TARGET_MS
    print(f"{label}: {path.name} ({nodes} nodes, {len(workflow_text) / 1024:.0f} KiB)")
    print(
        f"  json.loads baseline {baseline:.3f} ms | load+convert+preflight {warm:.2f} ms "
        f"(first call, cold specs {first_ms:.2f} ms)"
        f" | ratio {warm / baseline:.1f}x | target < {TARGET_MS:.0f} ms: {'ok' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    info = recorded_object_info()
    if not info:
        print("recorded object_info not found (../shared/comfyui); skipped")
        return 0
    info = align_input_lists({**info, **project_object_info()})
    library = max(list_workflows(), key=lambda p: p.stat().st_size)
    ok = measure("largest built-in workflow", library, info)
    conversions = shared_comfyui_dir() / "conversions"
    if conversions.is_dir():
        golden = max(conversions.glob("*.json"), key=lambda p: len(json.dumps(json.loads(p.read_text())["workflow"])))
        core = json.loads((shared_comfyui_dir() / "object_info.core.json").read_text())
        ok = measure("largest golden template", golden, core) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
