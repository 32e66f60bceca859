"""Book builder figures on a live CPU ComfyUI with the tiny random-weight SD1.5 test checkpoint.

1. Orchestration overhead per panel (measured on a build that submits each panel only when it reaches it,
   so a panel's time is its own): for every generated panel, the app's time for that panel (prompt
   assembly, workflow conversion + binding + preflight, upload, submit, events, download, decoding,
   quality scoring, grading, saving images and records) minus ComfyUI's own execution time (its
   execution_start / execution_success timestamps). Median over the panels. Target < 50 ms.
2. Baseline in the same run: the same panels' API prompts run with a bare `ComfyClient.run` (already
   converted and bound), wall minus execution: what any client waits beyond ComfyUI's execution
   (queue pickup, event delivery, /view). The book's own cost is (1) minus this baseline.
3. Pipelining: the same book built once without submitting ahead (baseline) and once with it; panels per
   minute ratio.
4. Panels per minute end to end on this CPU with 1 step at <=64 px (NOT the GPU figure: no GPU is lent
   here; on a GPU run `--checkpoint v1-5-pruned-emaonly.safetensors --steps 20 --max-side 512`).

The server: $COMFYUI_URL (its checkpoints must include the test checkpoint), or ComfyUI from
$COMFYUI_PATH + $COMFYUI_PYTHON started with the cached test checkpoint. Without either it prints a skip.
Run: `.venv/bin/python -m benchmarks book` (`--panels N`, `--checkpoint`, `--steps`, `--max-side`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.comfy import ComfyClient
from app.config import LaunchConfig, Timeouts

TIMEOUTS = Timeouts(connect=5, read=120, upload=300, prompt=900, ready=300)
TARGET_MS = 50.0


class _Sequential:
    """The same backend without `prefetch`: the builder then submits each panel only when it reaches it."""

    def __init__(self, backend) -> None:
        self._backend = backend

    def generate(self, request):
        return self._backend.generate(request)

    def restore(self, image):
        return self._backend.restore(image)

    def character_sheet(self, *args, **kwargs):
        return self._backend.character_sheet(*args, **kwargs)

    def capabilities(self):
        return self._backend.capabilities()


def _script(panels: int) -> str:
    per_page = 3
    lines = ["Title: Bench Book", "Page size: a5", "DPI: 72", "Style: noir", "Cast:", "- MAYA: keeper, red coat", ""]
    for index in range(panels):
        if index % per_page == 0:
            lines += [f"PAGE {index // per_page + 1}", ""]
        lines += [
            f"PANEL {index % per_page + 1}. Maya at the lamp, moment {index}.",
            "Shot: medium",
            "Characters: MAYA (center)",
            f"MAYA: Line {index}.",
            "",
        ]
    return "\n".join(lines)


def _server(workdir: Path):
    """(url, managed server or None); None url when there is no ComfyUI to use."""
    from tests.integration.sd15_fixture import TINY_CHECKPOINT, comfy_env, extra_model_paths_file

    url = os.environ.get("COMFYUI_URL")
    if url:
        return url.rstrip("/"), None
    env = comfy_env()
    if env is None:
        return None, None
    from app.comfy import ManagedComfyUI
    from tests.integration.launch import REPO_ROOT, torchvision_shim_env

    extra = extra_model_paths_file(workdir)
    path, python = env
    launch = LaunchConfig(
        path=path,
        python=python,
        extra_args=["--cpu", "--extra-model-paths-config", str(extra)],
        restart_on_exit=False,
        max_restarts=0,
    )
    server = ManagedComfyUI(
        launch, REPO_ROOT, timeouts=TIMEOUTS, data_dir=workdir, env=torchvision_shim_env(python, workdir)
    )
    server.start()
    assert TINY_CHECKPOINT
    return server.url, server


def main(argv: list[str] | None = None) -> int:
    from tests.integration.sd15_fixture import TINY_CHECKPOINT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=6)
    parser.add_argument("--checkpoint", default=TINY_CHECKPOINT)
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--max-side", type=int, default=64)
    args = parser.parse_args(argv or [])
    with tempfile.TemporaryDirectory(prefix="inkframe-bench-book-") as tmp:
        work = Path(tmp)
        url, server = _server(work / "comfyui")
        if url is None:
            print("skip: no ComfyUI (set COMFYUI_URL, or COMFYUI_PATH + COMFYUI_PYTHON)")
            return 0
        try:
            return _run(url, work, args)
        finally:
            if server is not None:
                server.stop()


def _run(url: str, work: Path, args: argparse.Namespace) -> int:
    from app.book.backend import GenerationRequest
    from app.book.build_types import BuildOptions
    from app.book.builder import BookBuilder
    from app.book.comfy_backend import ComfyBackend
    from app.book.panel_runner import GateSettings
    from app.quality import quality_score

    script = work / "book.txt"
    script.write_text(_script(args.panels), encoding="utf-8")
    with ComfyBackend(url, timeouts=TIMEOUTS) as backend:
        if args.checkpoint not in backend.object_info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]:
            print(f"skip: {url} has no checkpoint {args.checkpoint}")
            return 0
        warm = GenerationRequest(
            workflow="panel",
            positive="warm up",
            negative="",
            seed=1,
            width=64,
            height=64,
            steps=args.steps,
            checkpoint=args.checkpoint,
        )
        warmed = backend.generate(warm)  # loads the model; BRISQUE's model loads on its first score
        quality_score(warmed.image)
        gates = GateSettings(identity_retries=0, identity_repairs=0, quality_threshold=0.0)
        started = time.perf_counter()  # overhead figures: panels submitted one at a time, so each panel's app
        result = BookBuilder(
            _Sequential(backend), gates=gates, embedder_reason="benchmark: identity gate off"
        ).build(  # time
            BuildOptions(
                script=script,
                out_dir=work / "sequential",
                max_side=args.max_side,
                steps=args.steps,
                checkpoint=args.checkpoint,
            )
        )
        sequential_elapsed = time.perf_counter() - started  # minus its execution is what the app adds
        started = time.perf_counter()
        BookBuilder(backend, gates=gates, embedder_reason="benchmark: identity gate off").build(
            BuildOptions(
                script=script,
                out_dir=work / "pipelined",
                max_side=args.max_side,
                steps=args.steps,
                checkpoint=args.checkpoint,
            )
        )
        elapsed = time.perf_counter() - started
        records = [r for r in result.records if r.app_overhead_ms is not None]
        panel_ms = [r.app_overhead_ms for r in records]
        transport_ms = [a.app_overhead_ms for r in records for a in r.attempts if a.app_overhead_ms is not None]
        bare_ms = []
        client = ComfyClient(url, timeouts=TIMEOUTS)
        try:
            for index, record in enumerate(records):
                prompt = {
                    k: (
                        {**v, "inputs": {**v["inputs"], "value": 10_000 + index}}
                        if v.get("class_type") == "InkframeSeed"
                        else v
                    )
                    for k, v in record.api_prompt.items()
                }
                t0 = time.time()
                run = client.run(prompt)
                wall = time.time() - t0
                if run.timings.comfy_execution_s is not None:
                    bare_ms.append(max(0.0, (wall - run.timings.comfy_execution_s) * 1000))
        finally:
            client.close()
    median = statistics.median(panel_ms)
    transport = statistics.median(transport_ms)
    bare = statistics.median(bare_ms) if bare_ms else float("nan")
    per_min = len(records) / elapsed * 60
    print(f"backend {url}, checkpoint {args.checkpoint}, {args.steps} step(s), panels at <= {args.max_side} px, CPU")
    legs = {
        key: statistics.median([a.legs[key] for r in records for a in r.attempts if key in a.legs])
        for key in ("prepare_ms", "queue_ms", "notify_ms", "fetch_ms", "decode_ms")
        if any(key in a.legs for r in records for a in r.attempts)
    }
    cpu = statistics.median([r.app_cpu_ms for r in records if r.app_cpu_ms is not None])
    rest = statistics.median([r.app_overhead_ms - sum(a.app_overhead_ms or 0.0 for a in r.attempts) for r in records])
    print(
        f"app time minus ComfyUI execution per panel: median {median:.1f} ms "
        f"(min {min(panel_ms):.1f}, max {max(panel_ms):.1f}) "
        f"over {len(panel_ms)} panels"
    )
    print(
        f"  baseline, the same prompt through a bare ComfyClient.run "
        f"(what any client waits beyond execution: queue pickup, "
        f"event delivery, /view): median {bare:.1f} ms"
    )
    print(
        f"  one book ComfyUI run (conversion, binding, preflight, upload, submit, events, download): "
        f"median {transport:.1f} ms "
        f"(ratio to bare {transport / bare if bare else float('nan'):.2f})"
    )
    print(
        "  one run's legs (median ms): "
        + ", ".join(f"{k[:-3]} {v:.1f}" for k, v in legs.items())
        + "  (prepare/decode are the app's; queue = submit to ComfyUI's execution_start; "
        "notify = execution_success to the "
        "app hearing it; fetch = /view download)"
    )
    print(f"  app process CPU time per panel (insensitive to machine load): median {cpu:.1f} ms")
    print(
        f"  in-process work besides the ComfyUI run (quality gate, grading, saving pictures and records): "
        f"median {rest:.1f} ms"
    )
    own = legs.get("prepare_ms", 0.0) + legs.get("decode_ms", 0.0) + rest
    print(
        f"the book's own wall time per panel (prepare + decode + in-process work; the rest is ComfyUI's queue pickup, "
        f"event delivery and /view, the same for a bare client): {own:.1f} ms; target < {TARGET_MS:.0f} ms: "
        f"{'met' if own < TARGET_MS else 'NOT met'} "
        f"(CPU time {cpu:.1f} ms: {'met' if cpu < TARGET_MS else 'NOT met'}); "
        f"total app time minus execution {'met' if median < TARGET_MS else 'NOT met'}"
    )
    before = len(records) / sequential_elapsed * 60
    print(
        f"pipelining (next panel submitted before the current is checked): {per_min:.1f} panels/min against "
        f"{before:.1f} without, same run (ratio {per_min / before:.2f})"
    )
    print(
        f"panels per minute (CPU, tiny random SD1.5, whole build incl. pages/PDF/CBZ/report): {per_min:.1f}; "
        "GPU figure: not measured here (no GPU lent)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
