"""Orchestration overhead per video clip of the built-in Wan 2.2 workflows, and where the app's time goes.

A stock CPU ComfyUI is started with the tiny Wan 2.2 14B-layout models (tests/integration/family_fixtures.py), the
library workflow `wan22_i2v_14b` (workflows/wan22_i2v_14b.json) is warmed once, then:

1. App path, N clips: `run_service.run_workflow` (load, convert, bind, preflight, submit, events, download, save,
   provenance tags + Content Credentials); overhead = the app's wall time minus ComfyUI's execution time.
   Each phase is timed by wrapping the functions run_workflow calls, so the figure says where the time goes.
2. Baseline in the same run, N clips: the same API prompt through a bare `ComfyClient.run`, wall minus execution.

Target: < 50 ms per clip of the app's own (app minus baseline). CPU figures with 64 px, 5-frame tiny models, not
GPU throughput. Needs COMFYUI_PATH + COMFYUI_PYTHON, else prints a skip.
Run: `.venv/bin/python -m benchmarks video_families` (or this file with `--clips N`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Timeouts

TIMEOUTS = Timeouts(connect=5, read=120, upload=120, prompt=1200, ready=300)
TARGET_MS = 50.0
WORKFLOW = "wan22_i2v_14b"
SERVICE_PHASES = (
    "load_workflow",
    "to_api",
    "parameter_schema",
    "apply_overrides",
    "preflight",
    "tag_video",
    "stamp_output",
    "write_atomic",
)
CLIENT_PHASES = (
    "connect",
    "system_stats",
    "object_info",
    "frontend_version",
    "submit",
    "wait",
    "fetch_outputs",
    "close",
)


@contextmanager
def timed_phases(spent: dict[str, list[float]]):
    """Wraps the functions run_workflow calls so that each one's wall time per call lands in `spent`."""
    from app.comfy.client import ComfyClient
    from app.services import run_service

    originals = [(run_service, name, getattr(run_service, name)) for name in SERVICE_PHASES]
    originals += [(ComfyClient, name, getattr(ComfyClient, name)) for name in CLIENT_PHASES]
    for owner, name, original in originals:

        def wrapper(*args, __original=original, __name=name, **kwargs):
            began = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                spent[__name].append((time.perf_counter() - began) * 1000.0)

        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def bench(clips: int, workdir: Path) -> dict:
    import json

    import numpy as np
    from PIL import Image

    from app.comfy import ComfyClient
    from app.services.run_service import run_workflow
    from app.workflows import (
        apply_overrides,
        load_workflow,
        parameter_schema,
        resolve_workflow,
        to_api,
    )
    from tests.integration.family_fixtures import FAMILIES, start_family_server

    spec = FAMILIES["wan22_14b"]
    server = start_family_server("wan22_14b", workdir, TIMEOUTS)
    try:
        with ComfyClient(server.url, timeouts=TIMEOUTS) as client:
            panel = workdir / "panel.png"
            Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(panel)
            image = client.upload_image(panel).reference
            settings = [
                "width=64",
                "height=64",
                "frames=5",
                "fps=8",
                "steps=2",
                "high_noise_steps=1",
                f"image={image}",
                f"high_noise_model={spec.file('unet_i2v_high')}",
                f"low_noise_model={spec.file('unet_i2v_low')}",
                f"text_encoder={spec.file('text_encoder')}",
                f"vae={spec.file('vae')}",
            ]
            info = client.object_info(refresh=True)
            workflow = load_workflow(resolve_workflow(WORKFLOW))
            prompt = apply_overrides(to_api(workflow, info), settings, parameter_schema(workflow, info))
            warm = time.perf_counter()
            client.run(prompt)  # loads the models: ComfyUI's time
            warm_s = time.perf_counter() - warm
            spent: dict[str, list[float]] = defaultdict(list)
            app_ms = []
            with timed_phases(spent):
                for index in range(clips):
                    report = run_workflow(
                        resolve_workflow(WORKFLOW),
                        [*settings, f"seed={index + 1}"],
                        workdir / "out",
                        server.url,
                        timeouts=TIMEOUTS,
                    )
                    app_ms.append(report.app_overhead_ms)
                    execution_s = json.loads(report.sidecar.read_text())["timings"]["comfy_execution_s"]
                    spent["wait beyond execution"].append(spent["wait"][-1] - execution_s * 1000.0)
            baseline_ms = []
            for index in range(clips):
                prompt = json.loads(json.dumps(prompt))
                began = time.time()
                result = client.run(apply_overrides(prompt, [f"seed={100 + index}"], parameter_schema(workflow, info)))
                baseline_ms.append(max(0.0, (time.time() - began - result.timings.comfy_execution_s) * 1000.0))
    finally:
        server.stop()
    return {
        "app_ms": statistics.median(app_ms),
        "baseline_ms": statistics.median(baseline_ms),
        "warm_s": warm_s,
        "phases": {name: statistics.median(values) * len(values) / clips for name, values in spent.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks video_families", description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    from tests.integration.family_fixtures import comfy_env

    if comfy_env() is None:
        print("skip: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny Wan models are built with ComfyUI's classes)")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-video-families-") as tmp:
        figures = bench(args.clips, Path(tmp))
    own = figures["app_ms"] - figures["baseline_ms"]
    print(
        f"{WORKFLOW} per clip (median of {args.clips}): app time minus ComfyUI execution {figures['app_ms']:.1f} ms; "
        f"bare-client baseline {figures['baseline_ms']:.1f} ms; the app's own share {own:+.1f} ms "
        f"({'met' if own < TARGET_MS else 'NOT met'} < {TARGET_MS:.0f} ms); warm-up run {figures['warm_s']:.1f} s"
    )
    phases = sorted(figures["phases"].items(), key=lambda item: -item[1])
    print("  per clip, by phase (ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in phases), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
