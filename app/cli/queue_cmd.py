"""`queue ls|show|cancel|retry|pause|resume|priority`, `batch FILE` and `worker`: the batch queue from a terminal."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from typing import Any

from app.config import Config
from app.errors import InkframeError

ACTIONS = ("cancel", "retry", "pause", "resume")


def register(subparsers: argparse._SubParsersAction) -> None:
    queue = subparsers.add_parser("queue", help="list, inspect and control queued jobs")
    actions = queue.add_subparsers(dest="queue_action", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", help="list jobs (newest last)")
    ls.add_argument("--status", help="comma-separated statuses, e.g. queued,running")
    ls.add_argument("--kind")
    ls.add_argument("--batch", metavar="BATCH_ID")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--offset", type=int, default=None, help="first row to show (default: the last --limit jobs)")
    ls.add_argument("--quarantined", action="store_true", help="list the corrupt records set aside instead")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=run_ls)
    show = actions.add_parser("show", help="everything about one job")
    show.add_argument("job_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    for action in ACTIONS:
        sub = actions.add_parser(action, help=f"{action} a job, or every job of a batch with --batch")
        _add_target(sub)
        sub.set_defaults(handler=run_action, action=action)
    priority = actions.add_parser("priority", help="change the priority of a job or a batch (higher runs first)")
    _add_target(priority)
    priority.add_argument("priority", type=int)
    priority.set_defaults(handler=run_action, action="reprioritize")

    batch = subparsers.add_parser("batch", help="queue every job of a YAML or CSV file, then follow them")
    batch.add_argument("file")
    batch.add_argument("--batch-id", help="name the batch (default: from the file, else generated)")
    batch.add_argument("--no-wait", action="store_true", help="queue and return without progress bars")
    batch.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    batch.set_defaults(handler=run_batch)

    worker = subparsers.add_parser(
        "worker", help="run the dispatcher in this process (several may share a Redis queue)"
    )
    worker.add_argument("--threads", type=int, default=None, help="consumer threads (default: backend slots + 1)")
    worker.add_argument("--worker-id", default=None, help="name shown on the jobs it runs (default host:pid)")
    worker.set_defaults(handler=run_worker)


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_id", nargs="?")
    parser.add_argument("--batch", metavar="BATCH_ID", help="apply to every job of this batch")


def _service(config: Config):
    from app.services.queue_service import QueueService

    return QueueService(config)


def _row(job: Any) -> str:
    progress = f"{job.progress * 100:3.0f}%"
    note = job.last_error if job.status == "failed" else job.progress_text
    where = f"{job.backend or '-':<10} {job.batch_id or '-':<20}"
    return f"{job.id}  {job.status:<9} {job.kind:<9} {job.priority:>4} {progress} {where} {note or ''}"


def run_ls(args: argparse.Namespace, config: Config) -> int:
    from pydantic import ValidationError

    from app.services.queue_types import JobQuery

    service = _service(config)
    try:
        if args.quarantined:
            records = service.quarantined()
            for record in records:
                print(f"{record.job_id}  {record.reason}")
            print(f"{len(records)} quarantined record(s)", file=sys.stderr)
            return 0
        try:
            query = JobQuery(
                status=args.status, kind=args.kind, batch_id=args.batch, limit=args.limit, offset=args.offset or 0
            )
            if args.offset is None:  # the newest jobs, still listed oldest first
                total = service.list(query.model_copy(update={"limit": 1})).total
                query = query.model_copy(update={"offset": max(0, total - args.limit)})
        except ValidationError as exc:
            raise InkframeError(f"bad filter: {exc.errors()[0]['loc'][0]} {exc.errors()[0]['msg'].lower()}.") from exc
        page = service.list(query)
        if args.json:
            print(json.dumps(page.model_dump(mode="json"), indent=2))
            return 0
        print(f"{'ID':<32}  {'STATUS':<9} {'KIND':<9} {'PRIO':>4} PROG {'BACKEND':<10} {'BATCH':<20} NOTE")
        for job in page.items:
            print(_row(job))
        extra = (
            f"; {page.quarantined} corrupt record(s) quarantined (queue ls --quarantined)" if page.quarantined else ""
        )
        print(f"{len(page.items)} of {page.total} job(s){extra}", file=sys.stderr)
        return 0
    finally:
        service.close()


def run_show(args: argparse.Namespace, config: Config) -> int:
    service = _service(config)
    try:
        job = service.get(args.job_id)
        if args.json:
            print(job.model_dump_json(indent=2))
            return 0
        for field in (
            "id",
            "kind",
            "status",
            "priority",
            "attempts",
            "max_attempts",
            "backend",
            "prompt_id",
            "worker_id",
            "batch_id",
            "key",
            "depends_on",
            "progress",
            "progress_text",
        ):
            print(f"{field:>13}: {getattr(job, field)}")
        for stamp in ("created_at", "started_at", "finished_at"):
            value = getattr(job, stamp)
            print(f"{stamp:>13}: {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(value)) if value else '-'}")
        for path in service.outputs(job.id):
            print(f"{'output':>13}: {path}")
        for error in job.errors:
            print(f"{'error':>13}: attempt {error.attempt} on {error.backend or '-'} ({error.kind}): {error.message}")
        return 0
    finally:
        service.close()


def run_action(args: argparse.Namespace, config: Config) -> int:
    if bool(args.job_id) == bool(args.batch):
        raise InkframeError(f"give either a job id or --batch BATCH_ID to {args.action}.", exit_code=2)
    extra = (args.priority,) if args.action == "reprioritize" else ()
    service = _service(config)
    try:
        if args.job_id:
            job = getattr(service, args.action)(args.job_id, *extra)
            print(_row(job))
            return 0
        from app.services.queue_service import JobActionError

        results = service.for_batch(args.action, args.batch, *extra)
        skipped = [r for r in results if isinstance(r, JobActionError)]
        for result in results:
            print(_row(result) if not isinstance(result, JobActionError) else f"skipped: {result}")
        print(f"{len(results) - len(skipped)} job(s) changed, {len(skipped)} skipped", file=sys.stderr)
        return 0
    finally:
        service.close()


def run_batch(args: argparse.Namespace, config: Config) -> int:
    from app.services.queue_service import SubmissionError
    from app.services.queue_types import BatchFileError, parse_batch_file

    parsed = parse_batch_file(args.file)
    service = _service(config)
    try:
        try:
            jobs = service.submit(parsed.jobs, batch_id=args.batch_id or parsed.batch_id or None)
        except SubmissionError as exc:
            if exc.index is None:
                raise BatchFileError(f"{parsed.path}: {exc} Nothing was queued.") from exc
            raise BatchFileError(f"{parsed.where(exc.index)}: {exc.detail.rstrip('.')}; nothing was queued.") from exc
        batch_id = jobs[0].batch_id
        print(f"queued {len(jobs)} job(s) as batch {batch_id}", file=sys.stderr)
        if not _live_workers(service):
            print(
                "note: no worker is running; start one with `python main.py worker` (or the studio) and the batch "
                "will run",
                file=sys.stderr,
            )
        if args.no_wait:
            print(batch_id)
            return 0
        return _follow_batch(service, batch_id, [job.id for job in jobs], args.timeout)
    finally:
        service.close()


def _live_workers(service: Any) -> list[str]:
    from app.services.worker_service import live_workers

    return live_workers(service.store)


def _follow_batch(service: Any, batch_id: str, ids: list[str], timeout: float | None) -> int:
    from tqdm import tqdm

    deadline = time.monotonic() + timeout if timeout else None
    total = tqdm(total=len(ids), desc=f"batch {batch_id}", unit="job", position=0)
    running = tqdm(total=len(ids), desc="running", unit="job", position=1, bar_format="{desc}: {n_fmt}")
    try:
        while True:
            summary = service.batch(batch_id)
            finished = sum(summary.counts[s] for s in ("succeeded", "failed", "cancelled"))
            total.update(finished - total.n)
            total.set_postfix(
                ok=summary.counts["succeeded"], failed=summary.counts["failed"], cancelled=summary.counts["cancelled"]
            )
            running.n = summary.counts["running"]
            running.refresh()
            if summary.done:
                break
            if deadline and time.monotonic() > deadline:
                print(f"\nstill running: follow with `python main.py queue ls --batch {batch_id}`", file=sys.stderr)
                return 3
            time.sleep(0.5)
    finally:
        running.close()
        total.close()
    failed = [job for job in service.batch_jobs(batch_id) if job.status != "succeeded"]
    for job in failed:
        print(f"{job.id} ({job.key or job.kind}) {job.status}: {job.last_error or ''}", file=sys.stderr)
    return 1 if failed else 0


def run_worker(args: argparse.Namespace, config: Config) -> int:
    import logging

    from app.services.worker_service import make_worker, start_managed_comfyui

    logging.getLogger("huey").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    managed = None
    if config.comfyui.launch is not None:  # the main backend is a ComfyUI this worker starts and supervises
        managed, config = start_managed_comfyui(config)
        print(f"started ComfyUI at {config.comfyui.url} (comfyui.launch)", file=sys.stderr, flush=True)
    try:
        return _serve_worker(make_worker(config, worker_id=args.worker_id, threads=args.threads))
    finally:
        if managed is not None:
            managed.stop()


def _serve_worker(worker) -> int:
    previous = {sig: signal.signal(sig, lambda *_: worker.request_stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
    report = worker.start()
    print(f"worker {worker.worker_id} running ({report.summary()}); Ctrl+C stops it", file=sys.stderr, flush=True)
    try:
        worker.wait()
    finally:
        worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
