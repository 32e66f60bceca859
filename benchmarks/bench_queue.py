"""Queue benchmark: scaling over 1, 2 and 4 live ComfyUI backends, queue overhead per job, listing 10,000 jobs.

- Scaling: jobs of a fixed duration (InkframeTestSleep, SLEEP_S each) through the queue over k
  backends on loopback (ManagedComfyUI, `--cpu`, the test node pack). Efficiency at k =
  throughput(k) / (k * throughput(1)); target >= 0.9 at 4.
- Overhead: 100 sleep-0 jobs through the queue on one backend, against the same prompts run
  directly with ComfyClient.run in the same run (the baseline). Overhead per job = median interval
  between completions in the queue - median duration of a direct run; target < 5 ms. The same
  is measured for a local no-op kind (the engine alone, no ComfyUI).
- Listing: 10,000 stored jobs, a filtered page (status + batch, 100 rows) and a page deep in the
  list, median of 20; target < 100 ms. SQLite, and Redis when redis-server is installed.

Live parts need COMFYUI_PATH (+COMFYUI_PYTHON); without it they are skipped with the reason.
Run: `.venv/bin/python -m benchmarks queue`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

SLEEP_S = 2.0
JOBS_PER_BACKEND = 8
OVERHEAD_JOBS = 100
LIST_JOBS = 10_000


def _config(root: Path, urls: list[str], max_concurrent: int = 1):
    from app.config import load_config
    from tests.integration.queue_backends import write_config

    root.mkdir(parents=True, exist_ok=True)
    return load_config(write_config(root / "config.yaml", urls, max_concurrent=max_concurrent))


def _run_batch(root: Path, urls: list[str], specs: list, max_concurrent: int = 1) -> tuple[list, float]:
    """Start a worker over urls, warm every backend with one job, then submit specs and run them all.

    Returns the measured jobs in completion order and the seconds from their submission to the last
    completion (worker start-up and each backend's first, cold prompt are not part of the figure)."""
    from app.jobs.models import JobSpec
    from app.jobs.worker import Worker
    from app.services.queue_service import QueueService
    from tests.integration.queue_backends import sleep_prompt

    config = _config(root, urls, max_concurrent)
    service = QueueService(config)
    worker = Worker(config)
    worker.start()
    try:
        warm = [
            JobSpec(kind="prompt", parameters={"prompt": sleep_prompt(f"warm-{i}-{time.time_ns()}", 0.3)})
            for i in range(len(urls))
        ]
        service.submit(warm, batch_id="warm")
        while not service.batch("warm").done:
            time.sleep(0.01)
        submitted = time.time()
        jobs = service.submit(specs, batch_id="bench")
        while not service.batch("bench").done:
            time.sleep(0.01)
    finally:
        worker.stop()
    final = sorted(service.batch_jobs("bench"), key=lambda job: job.finished_at or 0)
    service.close()
    failed = [job for job in final if job.status != "succeeded"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(jobs)} benchmark jobs failed: {failed[0].last_error}")
    return final, max(job.finished_at for job in final) - submitted


def bench_scaling(workdir: Path, servers: list) -> bool:
    """JOBS_PER_BACKEND jobs per backend at every size, so the ideal elapsed time is the same for 1, 2
    and 4 backends; efficiency(k) = throughput(k) / (k * throughput(1))."""
    from app.jobs.models import JobSpec
    from tests.integration.queue_backends import sleep_prompt

    throughput: dict[int, float] = {}
    ideal = JOBS_PER_BACKEND * SLEEP_S
    for count in (1, 2, 4):
        specs = [
            JobSpec(kind="prompt", parameters={"prompt": sleep_prompt(f"scale{count}-{i}-{time.time_ns()}", SLEEP_S)})
            for i in range(JOBS_PER_BACKEND * count)
        ]
        final, elapsed = _run_batch(workdir / f"scale{count}", [s.url for s in servers[:count]], specs)
        throughput[count] = len(specs) / elapsed
        per_backend = sorted(sum(1 for job in final if job.backend == f"b{i}") for i in range(count))
        print(
            f"  {count} backend(s): {len(specs)} jobs of {SLEEP_S:g} s in {elapsed:.2f} s (ideal {ideal:.1f} s) -> "
            f"{throughput[count]:.3f} jobs/s; jobs per backend {per_backend}"
        )
    ok = True
    for count in (2, 4):
        efficiency = throughput[count] / (count * throughput[1])
        print(
            f"  scaling efficiency at {count} backends: {efficiency:.3f} "
            "(baseline: 1 backend, same run; target >= 0.9 at 4)"
        )
        ok &= count != 4 or efficiency >= 0.9
    return ok


def _queue_intervals(service, specs: list, batch_id: str) -> list[float]:
    service.submit(specs, batch_id=batch_id)
    while not service.batch(batch_id).done:
        time.sleep(0.005)
    final = sorted(service.batch_jobs(batch_id), key=lambda job: job.finished_at or 0)
    if any(job.status != "succeeded" for job in final):
        raise RuntimeError(f"overhead batch {batch_id}: {[j.last_error for j in final if j.status != 'succeeded'][0]}")
    return [b.finished_at - a.finished_at for a, b in zip(final, final[1:])]


def bench_overhead(workdir: Path, servers: list, rounds: int = 5) -> bool:
    """Direct runs and queued jobs alternate in rounds, so the machine's load drifts over both alike."""
    from app.comfy import ComfyClient
    from app.jobs.models import JobSpec
    from app.jobs.worker import Worker
    from app.services.queue_service import QueueService
    from tests.integration.queue_backends import sleep_prompt

    url = servers[0].url
    per_round = OVERHEAD_JOBS // rounds
    figures: dict[int, tuple[list[float], list[float]]] = {}
    for slots in (1, 2):
        config = _config(workdir / f"overhead{slots}", [url], slots)
        service = QueueService(config)
        worker = Worker(config)
        worker.start()
        direct: list[float] = []
        queued: list[float] = []
        try:
            with ComfyClient(url) as client:
                client.run(sleep_prompt(f"warm-{time.time_ns()}", 0))
                _queue_intervals(
                    service,
                    [
                        JobSpec(kind="prompt", parameters={"prompt": sleep_prompt(f"w{i}-{time.time_ns()}", 0)})
                        for i in range(3)
                    ],
                    "warm",
                )
                for r in range(rounds):
                    for _ in range(per_round):
                        started = time.perf_counter()
                        client.run(sleep_prompt(f"direct-{time.time_ns()}", 0))
                        direct.append(time.perf_counter() - started)
                    specs = [
                        JobSpec(kind="prompt", parameters={"prompt": sleep_prompt(f"q-{time.time_ns()}", 0)})
                        for _ in range(per_round + 1)
                    ]
                    queued += _queue_intervals(service, specs, f"round{r}")
        finally:
            worker.stop()
            service.close()
        figures[slots] = (direct, queued)
    direct_ms = statistics.median(figures[1][0]) * 1000
    cycle_ms = statistics.median(figures[1][1]) * 1000
    overhead_ms = cycle_ms - direct_ms
    print(f"  direct ComfyClient.run (baseline): median {direct_ms:.2f} ms per prompt ({len(figures[1][0])} prompts)")
    print(
        f"  through the queue: median {cycle_ms:.2f} ms between completions ({cycle_ms / direct_ms:.2f}x the baseline)"
    )
    print(f"  queue overhead per job: {overhead_ms:.2f} ms median (target < 5 ms), one prompt in ComfyUI at a time")
    piped_direct = statistics.median(figures[2][0]) * 1000
    piped_ms = statistics.median(figures[2][1]) * 1000
    print(
        f"  with max_concurrent=2 (the next prompt already waits in ComfyUI's queue): {piped_ms:.2f} ms between "
        f"completions vs {piped_direct:.2f} ms direct -> {piped_ms - piped_direct:.2f} ms per job"
    )
    local = [JobSpec(kind="collect") for _ in range(OVERHEAD_JOBS)]
    final, _ = _run_batch(workdir / "overhead-local", [url], local)
    engine_ms = statistics.median(b.finished_at - a.finished_at for a, b in zip(final, final[1:])) * 1000
    print(f"  engine alone (local no-op kind through Huey + store): {engine_ms:.2f} ms per job median")
    return overhead_ms < 5.0


def bench_listing(workdir: Path) -> bool:
    from app.jobs.job_store_sqlite import SqliteJobStore
    from app.jobs.models import JOB_STATUSES, Job, JobQuery, now

    stores = [("sqlite", SqliteJobStore(workdir / "list.db"))]
    redis_process = _start_redis(workdir)
    if redis_process is not None:
        from app.jobs.job_store_redis import RedisJobStore

        stores.append(("redis", RedisJobStore(redis_process[1], prefix="bench:")))
    else:
        print("  redis: skipped (redis-server is not installed)")
    stamp = now()
    jobs = [
        Job(
            id=f"job{i:05d}",
            kind=("prompt", "workflow", "collect")[i % 3],
            status=JOB_STATUSES[i % 6],
            batch_id=f"batch{i % 50}",
            parameters={"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 64}}}},
            created_at=stamp + i * 1e-3,
            updated_at=stamp,
        )
        for i in range(LIST_JOBS)
    ]
    ok = True
    for name, store in stores:
        for start in range(0, LIST_JOBS, 1000):
            store.add(jobs[start : start + 1000])
        cases = {
            "status+batch filter, 100 rows": JobQuery(status=["succeeded"], batch_id="batch7", limit=100),
            "status filter, first 100 rows": JobQuery(status=["queued", "running"], limit=100),
            "no filter, rows 5000-5099": JobQuery(limit=100, offset=5000),
        }
        for label, query in cases.items():
            times = []
            for _ in range(20):
                started = time.perf_counter()
                page = store.list(query)
                times.append(time.perf_counter() - started)
            median_ms = statistics.median(times) * 1000
            ok &= median_ms < 100
            print(
                f"  {name}: {label} of {page.total} matching / {LIST_JOBS} stored: {median_ms:.2f} ms median "
                f"({median_ms / 100:.3f} of the 100 ms target)"
            )
        store.close()
    if redis_process is not None:
        redis_process[0].terminate()
        redis_process[0].wait(10)
    return ok


def _start_redis(workdir: Path):
    import shutil
    import subprocess

    from tests.queue_fixtures import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> int:
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="inkframe-bench-queue-") as tmp:
        workdir = Path(tmp)
        print("listing / filtering stored jobs:")
        ok = bench_listing(workdir)
        if not os.environ.get("COMFYUI_PATH"):
            print("live backends: skipped (set COMFYUI_PATH, and COMFYUI_PYTHON, to a ComfyUI checkout)")
            return 0 if ok else 1
        from tests.integration.queue_backends import start_backends

        print("starting 4 ComfyUI backends (--cpu, loopback) ...", flush=True)
        servers = start_backends(4, workdir / "backends")
        try:
            print("queue overhead per job:")
            ok &= bench_overhead(workdir, servers)
            print(f"scaling, jobs of {SLEEP_S:g} s, {JOBS_PER_BACKEND} per backend:")
            ok &= bench_scaling(workdir, servers)
        finally:
            for server in servers:
                server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
