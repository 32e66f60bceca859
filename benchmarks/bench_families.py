"""Orchestration overhead per panel (and per video clip) for each model family, on a live CPU ComfyUI.

For each family (SD1.5, SDXL, Flux.1 dev, Qwen-Image, Wan 2.2 TI2V-5B) a stock ComfyUI is started with the tiny
random-weight models of tests/integration (sd15_fixture.py, family_fixtures.py; one server at a time, stopped after),
the family's template-shaped graph (tests/integration/family_graphs.py) is warmed once (model loading is ComfyUI's
time) and one app run is made (first use in the process: imports, /object_info, frontend version: reported apart).
Then N rounds, each running three paths in a rotating order (so ComfyUI's post-prompt `gc.collect()`, which it runs
at most every 10 s and which holds its GIL while our next request waits, falls on every path alike):

1. app: `app.services.run_service.run_workflow` on the graph saved as a workflow file, the seed changed through the
   app's override syntax (`NODE.INPUT=VALUE`): load, convert, bind, preflight, submit, events, download, save,
   provenance (+ the container tags for the Wan clip), with the client kept per backend (app/comfy/pool.py).
2. old path: the same call with the pool emptied first, so the run opens a new client (HTTP connection + WebSocket)
   as run_workflow did before the pool: the baseline of the change, measured in the same run.
3. bare: the same prompt through one bare `ComfyClient.run` kept open: what any client waits beyond ComfyUI's
   execution (queue pickup, event delivery, /view).

Overhead of a run = its wall time minus ComfyUI's execution time, from ComfyUI's own execution_start and
execution_success message timestamps (what run_service reports). Printed per family: the median overhead of each
path (target: app < 50 ms per panel), the app's own share (median of the paired app - bare differences), the ratio
app/bare of end-to-end time, the runs in which ComfyUI took > 100 ms after its execution_success to answer
(its post-prompt gc), and the load average. CPU figures with 64 px, 2-step tiny models (not GPU panels/min).
Needs COMFYUI_PATH + COMFYUI_PYTHON, else prints a skip.
Run: `.venv/bin/python -m benchmarks families` or `.venv/bin/python -m benchmarks.bench_families --families sd15
flux --panels 9`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Timeouts

TIMEOUTS = Timeouts(connect=5, read=120, upload=120, prompt=1200, ready=300)
TARGET_MS = 50.0
STALL_MS = 100.0
FAMILY_ORDER = ("sd15", "sdxl", "flux", "qwen", "wan22_5b")
PATHS = ("app", "old", "bare")
SEED_INPUT_SD15 = "5.seed"


@dataclass(frozen=True)
class Sample:
    """One run: wall time around the call, ComfyUI's execution time, and ComfyUI's time from its execution_success
    timestamp to the outputs being home (event delivery + /view: where its post-prompt gc shows)."""

    wall_ms: float
    execution_ms: float
    after_ms: float
    own_ms: float = 0.0  # the caller's own legs: call -> POST /prompt sent, and outputs home -> return
    comfy_gc_ms: float = 0.0  # ComfyUI's gc pauses within the run's time outside execution (the probe pack)

    @property
    def overhead_ms(self) -> float:
        return self.wall_ms - self.execution_ms

    @property
    def net_ms(self) -> float:
        """The overhead less ComfyUI's own gc pauses in it."""
        return self.overhead_ms - self.comfy_gc_ms


def sample_from_timings(began: float, ended: float, timings: dict, pauses: Sequence[Sequence[float]] = ()) -> Sample:
    """A Sample from time.time() around the call, the run's PromptTimings (as_dict, or a sidecar's) and ComfyUI's gc
    pauses ([start_ms, end_ms, generation], from the probe pack)."""
    execution = timings.get("comfy_execution_s")
    if execution is None:
        raise RuntimeError("ComfyUI reported no execution timestamps; the overhead cannot be measured")
    after = timings["fetched_at"] * 1000.0 - timings["comfy_finished_ms"]
    own = (timings["submitted_at"] - began) + (ended - timings["fetched_at"])
    outside = [(began * 1000.0, timings["comfy_started_ms"]), (timings["comfy_finished_ms"], ended * 1000.0)]
    gc_ms = sum(max(0.0, min(end, hi) - max(start, lo)) for start, end, *_ in pauses for lo, hi in outside)
    return Sample((ended - began) * 1000.0, execution * 1000.0, after, own * 1000.0, gc_ms)


class GcProbe:
    """ComfyUI's gc pauses, asked from the benchmark-only pack tests/comfy_bench_nodes (None: not loaded)."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url.rstrip("/") + "/inkframe_bench/gc_pauses"
        self.session = requests.Session()

    def pauses(self) -> list[list[float]]:
        response = self.session.get(self.url, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"the gc probe pack is not loaded ({self.url} answered {response.status_code})")
        return response.json()["pauses"]


def measure_rounds(runners: dict[str, Callable[[int], Sample]], rounds: int) -> dict[str, list[Sample]]:
    """`rounds` rounds of every runner, the order rotated each round; runner(seed index) -> Sample."""
    names = list(runners)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(runners[name](index))
    return samples


def summarise(samples: dict[str, list[Sample]]) -> dict:
    """Medians per path, the app's own share (paired app - bare), the end-to-end ratio and ComfyUI's stalls."""
    out: dict = {name: round(statistics.median(s.overhead_ms for s in runs), 1) for name, runs in samples.items()}
    pairs = list(zip(samples["app"], samples["bare"], strict=True))
    out["own_ms"] = round(statistics.median(a.overhead_ms - b.overhead_ms for a, b in pairs), 1)
    if "old" in samples:
        old_pairs = zip(samples["old"], samples["bare"], strict=True)
        out["old_own_ms"] = round(statistics.median(a.overhead_ms - b.overhead_ms for a, b in old_pairs), 1)
    out["ratio"] = statistics.median(s.wall_ms for s in samples["app"]) / statistics.median(
        s.wall_ms for s in samples["bare"]
    )
    out["stalls"] = {name: sum(s.after_ms > STALL_MS for s in runs) for name, runs in samples.items()}
    out["legs"] = {name: round(statistics.median(s.own_ms for s in runs), 1) for name, runs in samples.items()}
    out["after"] = {name: round(statistics.median(s.after_ms for s in runs), 1) for name, runs in samples.items()}
    out["net"] = {name: round(statistics.median(s.net_ms for s in runs), 1) for name, runs in samples.items()}
    out["net_own_ms"] = round(statistics.median(a.net_ms - b.net_ms for a, b in pairs), 1)
    out["execution_s"] = statistics.median(s.execution_ms for s in samples["bare"]) / 1000.0
    return out


def report_line(label: str, unit: str, rounds: int, figures: dict) -> str:
    app_ok = "met" if figures["app"] < TARGET_MS else "NOT met"
    own_ok = "met" if figures["own_ms"] < TARGET_MS else "NOT met"
    stalls = ", ".join(
        f"{name} {count} (median {figures['after'][name]:.0f} ms)" for name, count in figures["stalls"].items()
    )
    legs = ", ".join(f"{name} {ms:.1f} ms" for name, ms in figures["legs"].items())
    old = ""
    if "old" in figures:
        old = f"old path (new client per run) {figures['old']:.1f} ms, "
    line = (
        f"{label} per {unit} (median of {rounds} interleaved rounds), wall minus ComfyUI execution: "
        f"app {figures['app']:.1f} ms ({app_ok} < {TARGET_MS:.0f} ms), {old}bare client {figures['bare']:.1f} ms; "
        f"app's own share (app - bare, paired) {figures['own_ms']:+.1f} ms ({own_ok})"
    )
    if "old_own_ms" in figures:
        line += f", old path's {figures['old_own_ms']:+.1f} ms"
    net = ", ".join(f"{name} {ms:.1f} ms" for name, ms in figures["net"].items())
    net_ok = "met" if figures["net"]["app"] < TARGET_MS else "NOT met"
    line += (
        f"; less ComfyUI's own gc pauses in that time: {net} (app {net_ok} < {TARGET_MS:.0f} ms; "
        f"app - bare {figures['net_own_ms']:+.1f} ms)"
    )
    return (
        line + f"; ratio app/bare end to end {figures['ratio']:.3f}; ComfyUI execution {figures['execution_s']:.2f} s;"
        f" runs whose outputs came home > {STALL_MS:.0f} ms after ComfyUI's execution_success (its post-prompt gc):"
        f" {stalls};"
        f" the caller's own legs (call -> POST sent + outputs home -> return): {legs}"
    )


def _sd15_graph(seed: int) -> dict:
    from tests.integration.sd15_fixture import TINY_CHECKPOINT

    text = "comic panel, a girl with red hair, ink lines"
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": TINY_CHECKPOINT}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": text}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "blurry"}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "5": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "positive": ["2", 0],
                "negative": ["3", 0],
                "latent_image": ["4", 0],
                "seed": seed,
                "steps": 2,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
            },
        },
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "tiny_sd15"}},
    }


def _graph(family: str, seed: int, start_image: str | None) -> dict:
    from tests.integration import family_graphs as graphs

    if family == "sd15":
        return _sd15_graph(seed)
    if family == "sdxl":
        return graphs.sdxl("checkpoint", seed)
    if family == "flux":
        return graphs.flux(seed)
    if family == "qwen":
        return graphs.qwen(seed)
    assert start_image is not None
    return graphs.wan22_5b(start_image, seed)


BENCH_NODES = Path(__file__).resolve().parents[1] / "tests" / "comfy_bench_nodes"


def start_bench_server(family: str, workdir: Path):
    """A started ManagedComfyUI (stock ComfyUI, --cpu) with the family's tiny models, the test-only node packs and
    the benchmark-only gc probe (tests/comfy_bench_nodes); the caller stops it."""
    from app.comfy import ManagedComfyUI
    from app.config import LaunchConfig
    from tests.integration import family_fixtures, sd15_fixture
    from tests.integration.launch import REPO_ROOT, torchvision_shim_env

    env = family_fixtures.comfy_env()
    if env is None:
        raise RuntimeError("the family benchmarks need COMFYUI_PATH and COMFYUI_PYTHON")
    path, python = env
    if family == "sd15":
        extra = sd15_fixture.extra_model_paths_file(workdir)
    else:
        extra = family_fixtures.extra_model_paths_file(family, workdir)
    launch = LaunchConfig(
        path=path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra)],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch,
        REPO_ROOT,
        timeouts=TIMEOUTS,
        data_dir=workdir,
        extra_custom_nodes=[family_fixtures.TEST_NODES, BENCH_NODES],
        env=torchvision_shim_env(python, workdir),
    )
    server.start()
    return server


def app_runner(
    workflow: Path,
    seed_input: str,
    out_dir: Path,
    url: str,
    probe: GcProbe,
    *,
    fresh_client: bool,
    extra: Sequence[str] = (),
) -> Callable[[int], Sample]:
    """run_workflow as the app runs it (`extra` assignments, then the seed); with `fresh_client` the client pool is
    emptied first, so the run opens a new client as before app/comfy/pool.py (the old path)."""
    from app.comfy.pool import CLIENTS
    from app.services.run_service import run_workflow

    def run(index: int) -> Sample:
        if fresh_client:
            CLIENTS.close_all()
        began = time.time()
        assignments = [*extra, f"{seed_input}={index + 1}"]
        report = run_workflow(workflow, assignments, out_dir, url, timeouts=TIMEOUTS)
        ended = time.time()
        return sample_from_timings(began, ended, json.loads(report.sidecar.read_text())["timings"], probe.pauses())

    return run


def _bench_family(family: str, rounds: int, workdir: Path) -> dict:
    import numpy as np
    from PIL import Image

    from app.comfy import ComfyClient
    from tests.integration import family_graphs as graphs

    started = time.perf_counter()
    server = start_bench_server(family, workdir)
    figures: dict = {"server_start_s": round(time.perf_counter() - started, 1)}
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
            seed_input = SEED_INPUT_SD15 if family == "sd15" else graphs.SEED_INPUT[family]
            out = workdir / "out"
            probe = GcProbe(server.url)
            app = app_runner(workflow, seed_input, out, server.url, probe, fresh_client=False)
            first = app(10_000)  # first use in this process: imports, /object_info, the frontend version
            figures["first_app_ms"] = round(first.overhead_ms, 1)

            def bare(index: int) -> Sample:
                began = time.time()
                result = client.run(_graph(family, 20_000 + index, start_image))
                return sample_from_timings(began, time.time(), result.timings.as_dict(), probe.pauses())

            old = app_runner(workflow, seed_input, out, server.url, probe, fresh_client=True)
            samples = measure_rounds({"app": app, "old": lambda i: old(30_000 + i), "bare": bare}, rounds)
    finally:
        server.stop()
    figures.update(summarise(samples))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks families", description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=7, help="interleaved rounds (each runs app, old and bare)")
    parser.add_argument("--families", nargs="+", default=list(FAMILY_ORDER), choices=FAMILY_ORDER)
    args = parser.parse_args(argv if argv is not None else [])
    from tests.integration.family_fixtures import comfy_env

    if comfy_env() is None:
        print("skip: set COMFYUI_PATH and COMFYUI_PYTHON (the tiny family models are built with ComfyUI's classes)")
        return 0
    for family in args.families:
        with tempfile.TemporaryDirectory(prefix=f"bench-families-{family}-") as tmp:
            figures = _bench_family(family, args.panels, Path(tmp))
        unit = "video clip" if family == "wan22_5b" else "panel"
        print(report_line(family, unit, args.panels, figures), flush=True)
        print(
            f"  first app run in the process {figures['first_app_ms']:.0f} ms beyond execution; server start "
            f"{figures['server_start_s']} s, warm-up run {figures['warm_run_s']} s; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
