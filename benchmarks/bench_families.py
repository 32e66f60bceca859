"""Orchestration overhead per panel (and per video clip) for each model family, on a live CPU ComfyUI.

For each family (SDXL, Flux.1 dev, Qwen-Image, Wan 2.2 TI2V-5B) a stock ComfyUI is started with the tiny
random-weight models of tests/integration/family_fixtures.py (one server at a time, stopped after), the family's
template-shaped graph (tests/integration/family_graphs.py) is warmed once (model loading is ComfyUI's time), then:

1. App path, N panels: `app.services.run_service.run_workflow` on the graph saved as a workflow file, with the seed
   changed through the app's override syntax (`NODE.INPUT=VALUE`): load, convert, bind, preflight, submit, events,
   download, save (+ the provenance remux for the Wan clip). Overhead = the app's wall time minus ComfyUI's own
   execution time (its execution_start .. execution_success), as run_service reports it.
2. Baseline in the same run, N panels: the same prompt through a bare `ComfyClient.run`, wall minus execution:
   what any client waits beyond ComfyUI's execution (queue pickup, event delivery, /view).

Median per family; target: app overhead < 50 ms per panel. These are CPU figures with 64 px, 2-step tiny models
(NOT GPU panels/min: no GPU is lent here). Needs COMFYUI_PATH + COMFYUI_PYTHON, else prints a skip.
Run: `.venv/bin/python -m benchmarks families` (`--panels N`, `--families sdxl flux qwen wan22_5b`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Timeouts

TIMEOUTS = Timeouts(connect=5, read=120, upload=120, prompt=1200, ready=300)
TARGET_MS = 50.0
FAMILY_ORDER = ("sdxl", "flux", "qwen", "wan22_5b")


def _graph(family: str, seed: int, start_image: str | None) -> dict:
    from tests.integration import family_graphs as graphs

    if family == "sdxl":
        return graphs.sdxl("checkpoint", seed)
    if family == "flux":
        return graphs.flux(seed)
    if family == "qwen":
        return graphs.qwen(seed)
    assert start_image is not None
    return graphs.wan22_5b(start_image, seed)


def _bench_family(family: str, panels: int, workdir: Path) -> dict:
    import numpy as np
    from PIL import Image

    from app.comfy import ComfyClient
    from app.services.run_service import run_workflow
    from tests.integration import family_graphs as graphs
    from tests.integration.family_fixtures import start_family_server

    started = time.perf_counter()
    server = start_family_server(family, workdir, TIMEOUTS)
    figures: dict = {"family": family, "server_start_s": round(time.perf_counter() - started, 1)}
    try:
        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            start_image = None
            if family == "wan22_5b":
                panel = workdir / "panel.png"
                Image.fromarray(np.full((graphs.SIZE, graphs.SIZE, 3), 128, np.uint8)).save(panel)
                start_image = client.upload_image(panel).reference  # top level: LoadImage lists only those
            warm = time.perf_counter()
            client.run(_graph(family, 0, start_image))  # loads the models: ComfyUI's time, not the app's
            figures["warm_run_s"] = round(time.perf_counter() - warm, 1)
            workflow = workdir / f"{family}.json"
            workflow.write_text(json.dumps(_graph(family, 0, start_image)), encoding="utf-8")
            seed_input = graphs.SEED_INPUT[family]
            app_ms, executions = [], []
            for index in range(panels):
                report = run_workflow(
                    workflow, [f"{seed_input}={index + 1}"], workdir / "out", server.url, timeouts=TIMEOUTS
                )
                if report.app_overhead_ms is None:
                    raise RuntimeError(
                        f"{family}: ComfyUI reported no execution timestamps; the overhead cannot be measured"
                    )
                app_ms.append(report.app_overhead_ms)
                executions.append(json.loads(report.sidecar.read_text())["timings"].get("comfy_execution_s"))
            baseline_ms = []
            for index in range(panels):
                began = time.time()
                result = client.run(_graph(family, 1000 + index, start_image))
                execution = result.timings.comfy_execution_s
                baseline_ms.append(max(0.0, (time.time() - began - execution) * 1000.0))
    finally:
        server.stop()
    figures.update(
        app_overhead_ms=round(statistics.median(app_ms), 1),
        baseline_ms=round(statistics.median(baseline_ms), 1),
        execution_s=round(statistics.median(e for e in executions if e is not None), 2),
        unit="video clip" if family == "wan22_5b" else "panel",
    )
    figures["app_own_ms"] = round(figures["app_overhead_ms"] - figures["baseline_ms"], 1)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks families", description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=3)
    parser.add_argument("--families", nargs="+", default=list(FAMILY_ORDER), choices=FAMILY_ORDER)
    args = parser.parse_args(argv if argv is not None else [])
    from tests.integration.family_fixtures import comfy_env

    if comfy_env() is None:
        print("skip: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny family models are built with ComfyUI's classes)")
        return 0
    for family in args.families:
        with tempfile.TemporaryDirectory(prefix=f"bench-families-{family}-") as tmp:
            figures = _bench_family(family, args.panels, Path(tmp))
        own_ok, total_ok = figures["app_own_ms"] < TARGET_MS, figures["app_overhead_ms"] < TARGET_MS
        print(
            f"{family:9s} per {figures['unit']} (median of {args.panels}): app time minus ComfyUI execution "
            f"{figures['app_overhead_ms']:.1f} ms ({'met' if total_ok else 'NOT met'} < {TARGET_MS:.0f} ms); "
            f"bare-client "
            f"baseline {figures['baseline_ms']:.1f} ms; the app's own share {figures['app_own_ms']:+.1f} ms "
            f"({'met' if own_ok else 'NOT met'}); ComfyUI execution {figures['execution_s']:.2f} s; server start "
            f"{figures['server_start_s']} s, warm-up run {figures['warm_run_s']} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
