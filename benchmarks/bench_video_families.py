"""Orchestration overhead per video clip of the built-in Wan 2.2 workflows, and where the app's time goes.

A stock CPU ComfyUI is started with the tiny Wan 2.2 14B-layout models (tests/integration/family_fixtures.py), the
library workflow `wan22_i2v_14b` (workflows/wan22_i2v_14b.json) is warmed once and run once through the app (first
use in the process, reported apart), then N rounds of three paths in a rotating order (bench_families.py explains
why): the app (`run_service.run_workflow`: load, convert, bind, preflight, submit, events, download, save,
provenance tags + Content Credentials, the client kept per backend), the old path (the same with a new client per
run, as before app/comfy/pool.py) and a bare `ComfyClient.run` of the same API prompt with the same `extra_pnginfo`
(the UI workflow, which ComfyUI's own frontend sends too and SaveVideo embeds). Overhead = wall time minus ComfyUI's
execution time (its execution_start .. execution_success timestamps). Each phase of the app path is timed by
wrapping the functions run_workflow calls, so the figure says where the time goes.

Target: < 50 ms per clip. CPU figures with 64 px, 5-frame tiny models, not GPU throughput. Needs COMFYUI_PATH +
COMFYUI_PYTHON, else prints a skip.
Run: `.venv/bin/python -m benchmarks video_families` (or `python -m benchmarks.bench_video_families --clips N`).
"""

from __future__ import annotations

import argparse
import os
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
    from app.workflows import apply_overrides, load_workflow, parameter_schema, resolve_workflow, to_api
    from benchmarks.bench_families import (
        GcProbe,
        Sample,
        app_runner,
        measure_rounds,
        sample_from_timings,
        start_bench_server,
        summarise,
    )
    from tests.integration.family_fixtures import FAMILIES

    spec = FAMILIES["wan22_14b"]
    server = start_bench_server("wan22_14b", workdir)
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
            schema = parameter_schema(workflow, info)
            prompt = apply_overrides(
                to_api(workflow, info, frontend_version=client.frontend_version(), purpose="run"), settings, schema
            )
            extra_data = {"extra_pnginfo": {"workflow": workflow.raw}}  # what the app and ComfyUI's own UI send
            warm = time.perf_counter()
            client.run(prompt, extra_data=extra_data)  # loads the models: ComfyUI's time
            warm_s = time.perf_counter() - warm
            out = workdir / "out"
            spent: dict[str, list[float]] = defaultdict(list)
            probe = GcProbe(server.url)
            app_path = app_runner(
                resolve_workflow(WORKFLOW), "seed", out, server.url, probe, fresh_client=False, extra=settings
            )
            first_ms = app_path(10_000).overhead_ms  # first use in the process: imports, /object_info, frontend

            def app(index: int) -> Sample:
                with timed_phases(spent):
                    sample = app_path(index)
                spent["wait beyond execution"].append(spent["wait"][-1] - sample.execution_ms)
                return sample

            def bare(index: int) -> Sample:
                seeded = apply_overrides(json.loads(json.dumps(prompt)), [f"seed={20_000 + index}"], schema)
                began = time.time()
                result = client.run(seeded, extra_data=extra_data)
                return sample_from_timings(began, time.time(), result.timings.as_dict(), probe.pauses())

            old = app_runner(
                resolve_workflow(WORKFLOW), "seed", out, server.url, probe, fresh_client=True, extra=settings
            )
            samples = measure_rounds({"app": app, "old": lambda i: old(30_000 + i), "bare": bare}, clips)
    finally:
        server.stop()
    figures = summarise(samples)
    figures.update(
        warm_s=warm_s,
        first_ms=first_ms,
        phases={name: statistics.median(values) * len(values) / clips for name, values in spent.items()},
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks video_families", description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    from tests.integration.family_fixtures import comfy_env

    if comfy_env() is None:
        print("skip: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny Wan models are built with ComfyUI's classes)")
        return 0
    from benchmarks.bench_families import report_line

    with tempfile.TemporaryDirectory(prefix="bench-video-families-") as tmp:
        figures = bench(args.clips, Path(tmp))
    print(report_line(WORKFLOW, "clip", args.clips, figures))
    print(
        f"  first app run in the process {figures['first_ms']:.0f} ms beyond execution; warm-up run "
        f"{figures['warm_s']:.1f} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    phases = sorted(figures["phases"].items(), key=lambda item: -item[1])
    print("  app path per clip, by phase (ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in phases), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
