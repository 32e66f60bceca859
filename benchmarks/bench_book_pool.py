"""Book builds through the queue's backend pool: panels per minute on 1, 2 and 4 backends in one run.

Four CPU ComfyUIs (tiny random-weight SD1.5 checkpoint, one torch thread each, the test node pack
tests/comfy_test_nodes loaded) are started once; for each size N a worker (in this process) with the first
N backends builds a `book` job of PER_BACKEND x N panels (the same work per backend at every size, as in
bench_queue). Scaling efficiency at N is rate(N) / (N x rate(1)), each rate measured in the same run;
target >= 0.85 at 4. Every backend is warmed up first (model load).

Two figures, on the same live servers:
- "GPU-time" (the target's figure): the benchmark puts the test-only node `InkframeTestSleep` (interruptible,
  no CPU) between VAEDecode and SaveImage of every panel prompt the queue posts, so each panel holds its
  ComfyUI for `--gpu-seconds` as a GPU-bound panel would, while the real panel graph (tiny checkpoint, one
  step) still runs around it. This measures what the orchestration does with N backends: placement,
  per-backend slots, the book's fan-out, page composition as panels finish.
- "compute-bound" (reported beside it): the same books without the sleep node. Four CPU ComfyUIs share this
  machine's cores (2 here, with other work), so a panel that is pure CPU work cannot run faster on four
  backends than on one: the figure measures the CPU, not the queue. The load average is printed.
`--sleep S` runs the books against in-memory backends instead (tests/fake_backends.py, no ComfyUI at all).
Run: `COMFYUI_PATH=/opt/comfyui COMFYUI_PYTHON=/opt/comfyui-venv/bin/python .venv/bin/python -m benchmarks book_pool`
(`--per-backend N`, `--gpu-seconds S`, `--steps N`, `--no-compute`, `--sleep S`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET = 0.85
SIZES = (1, 2, 4)


def _script(panels: int) -> str:
    lines = ["Title: Pool Bench", "Page size: a5", "DPI: 72", "Style: noir", ""]
    for index in range(panels):
        if index % 3 == 0:
            lines += [f"PAGE {index // 3 + 1}", ""]
        lines += [f"PANEL {index % 3 + 1}. A lighthouse on a cliff, moment {index}.", "Shot: wide", ""]
    return "\n".join(lines)


def _warm(url: str, checkpoint: str, steps: int) -> None:
    from app.comfy import ComfyClient

    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": checkpoint}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "warm up"}},
        "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
        "4": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "positive": ["2", 0],
                "negative": ["2", 0],
                "latent_image": ["3", 0],
                "seed": 1,
                "steps": steps,
                "cfg": 1.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
            },
        },
        "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
        "6": {"class_type": "PreviewImage", "inputs": {"images": ["5", 0]}},
    }
    with ComfyClient(url) as client:
        client.run(prompt, timeout=600)


def _build(
    urls: list[str], work: Path, panels: int, checkpoint: str, steps: int, client_factory=None, specs=None
) -> float:
    """Seconds from submitting the book job to its end, on a worker with these backends."""
    from app.config import load_config
    from app.jobs.models import JobSpec
    from app.jobs.worker import Worker
    from app.services.queue_service import QueueService
    from tests.integration.queue_backends import write_config

    work.mkdir(parents=True)
    config = load_config(write_config(work / "config.yaml", urls))
    script = work / "book.txt"
    script.write_text(_script(panels), encoding="utf-8")
    service = QueueService(config)
    worker = Worker(config, specs=specs, client_factory=client_factory)
    worker.start()
    try:
        started = time.perf_counter()
        [job] = service.submit(
            [
                JobSpec(
                    kind="book",
                    parameters={
                        "script": str(script),
                        "max_side": 64,
                        "steps": steps,
                        "checkpoint": checkpoint,
                        "formats": ["png"],
                    },
                )
            ]
        )
        while not (current := service.get(job.id)).terminal:
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        worker.stop()
        service.close()
    if current.status != "succeeded":
        raise RuntimeError(f"the book on {len(urls)} backend(s) {current.status}: {current.last_error}")
    return elapsed


def simulate_gpu_time(seconds: float | None) -> None:
    """Make every book_render prompt the worker builds hold its backend for `seconds` (None: as it is)."""
    from app.jobs import kinds, runner
    from tests.integration.queue_backends import gpu_time_prompts

    runner.build_prompt = kinds.build_prompt if seconds is None else gpu_time_prompts(seconds)


def _rates(servers: list, work: Path, args: argparse.Namespace, label: str, checkpoint: str) -> dict[int, float]:
    rates: dict[int, float] = {}
    for size in SIZES:
        panels = args.per_backend * size
        folder = work / f"{re.sub(r'[^a-z0-9]+', '-', label.lower())}-{size}"
        elapsed = _build([s.url for s in servers[:size]], folder, panels, checkpoint, args.steps)
        rates[size] = panels / (elapsed / 60.0)
        print(
            f"{label}, {size} backend(s): {panels} panels in {elapsed:.1f} s = {rates[size]:.1f} panels/min "
            f"(x{rates[size] / rates[1]:.2f} of 1 backend)",
            flush=True,
        )
    return rates


def main(argv: list[str] | None = None) -> int:
    from tests.integration.queue_backends import start_backends
    from tests.integration.sd15_fixture import TINY_CHECKPOINT, comfy_env, extra_model_paths_file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-backend", type=int, default=3, help="panels per backend at every size")
    parser.add_argument(
        "--gpu-seconds", type=float, default=60.0, help="time each panel holds its backend (GPU-time figure)"
    )
    parser.add_argument("--no-compute", action="store_true", help="skip the compute-bound figure")
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument(
        "--sleep", type=float, default=None, help="in-memory backends taking this many seconds per picture"
    )
    args = parser.parse_args(argv or [])
    if args.sleep is not None:
        return _report(_sleep_rates(args))
    if comfy_env() is None:
        print("skip: no ComfyUI (set COMFYUI_PATH + COMFYUI_PYTHON)")
        return 0
    with tempfile.TemporaryDirectory(prefix="inkframe-bench-book-pool-") as tmp:
        work = Path(tmp)
        extra = extra_model_paths_file(work)
        servers = start_backends(
            max(SIZES), work / "backends", extra_args=["--extra-model-paths-config", str(extra)], torch_threads=1
        )
        try:
            for server in servers:
                _warm(server.url, TINY_CHECKPOINT, args.steps)
            _build([servers[0].url], work / "warm-up", 1, TINY_CHECKPOINT, args.steps)  # the app's one-time imports
            simulate_gpu_time(args.gpu_seconds)
            gpu = _rates(servers, work, args, f"GPU-time {args.gpu_seconds:g} s per panel", TINY_CHECKPOINT)
            simulate_gpu_time(None)
            compute = None if args.no_compute else _rates(servers, work, args, "compute-bound", TINY_CHECKPOINT)
        finally:
            for server in servers:
                server.stop()
    if compute is not None:
        print(
            f"compute-bound efficiency at {max(SIZES)} backends: {_efficiency(compute):.3f} "
            "(not the target's figure: "
            f"{max(SIZES)} CPU ComfyUIs divide {os.cpu_count()} shared cores, so CPU-only panels cannot scale here)"
        )
    print(f"GPU-time figure ({args.gpu_seconds:g} s of backend time per panel, the orchestration's scaling):")
    return _report(gpu)


def _sleep_rates(args: argparse.Namespace) -> dict[int, float]:
    import json

    from app.jobs import backends as backends_module
    from app.jobs.backends import BackendSpec
    from tests.conftest import shared_path
    from tests.fake_backends import FakeBackend, fake_pool_factory

    info = json.loads((shared_path() / "comfyui" / "object_info.core.json").read_text())
    backends_module.preflight_problems = lambda prompt, object_info, uploads=frozenset(): []  # fakes: every backend can
    backends_module.parse_node_specs = lambda object_info: None
    fakes = [FakeBackend(f"b{i}", seconds=args.sleep, object_info=info) for i in range(max(SIZES))]
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="inkframe-bench-book-pool-") as tmp:
        _build(
            [f"http://127.0.0.1:{9000}"],
            Path(tmp) / "warm-up",
            1,
            "x.safetensors",
            args.steps,  # one-time imports, models
            client_factory=fake_pool_factory(fakes[:1]),
            specs=[BackendSpec(fakes[0].name, fakes[0].url, 1)],
        )
        for size in SIZES:
            panels = args.per_backend * size
            chosen = fakes[:size]
            elapsed = _build(
                [f"http://127.0.0.1:{9000 + i}" for i in range(size)],
                Path(tmp) / f"size-{size}",
                panels,
                "x.safetensors",
                args.steps,
                client_factory=fake_pool_factory(chosen),
                specs=[BackendSpec(b.name, b.url, 1) for b in chosen],
            )
            rates[size] = panels / (elapsed / 60.0)
            print(
                f"{size} in-memory backend(s) of {args.sleep:g} s per picture: {panels} panels in {elapsed:.1f} s = "
                f"{rates[size]:.1f} panels/min",
                flush=True,
            )
    return rates


def _efficiency(rates: dict[int, float], size: int = max(SIZES)) -> float:
    return rates[size] / (size * rates[1])


def _report(rates: dict[int, float]) -> int:
    load = os.getloadavg()
    for size in SIZES[1:]:
        print(f"scaling efficiency at {size} backends: {rates[size] / (size * rates[1]):.3f}")
    efficiency = rates[max(SIZES)] / (max(SIZES) * rates[1])
    print(
        f"target >= {TARGET} at {max(SIZES)} backends: {'met' if efficiency >= TARGET else 'NOT met'} "
        f"({os.cpu_count()} CPU cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})"
    )
    return 0 if efficiency >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
