"""Following a submitted prompt and collecting its outputs: the part of JobRunner (runner.py) that posts a
claimed job's prompt, follows it to the end (progress, previews) and saves what it made under the job's folder."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from app.comfy.errors import ComfyError
from app.provenance import facts_from_output
from app.provenance.facts import FACE_SWAP
from app.provenance.stamping import stamp_output

from .kinds import job_output_dir, upload_inputs
from .models import Job, JobOutput
from .previews import PreviewWriter
from .progress import ProgressFollower, node_types
from .runner_errors import DiskFullError, disk_full_message, is_disk_full
from .transitions import is_same_run

PROGRESS_EVERY_S = 0.25


def safe_name_part(text: str, fallback: str = "x", max_chars: int = 64) -> str:
    """A file name part built only from letters, digits, `-` and `_` (node ids and suffixes come from the prompt)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", text)[:max_chars].strip("_")
    return cleaned or fallback


def _face_swap_png(data: bytes) -> bytes:
    """The tool/operation/date PNG chunks of the app's own swaps (docs/faceswap.md), ComfyUI's chunks kept."""
    from app.faceswap.safety import Provenance  # cv2 on import: only for face swaps
    from app.provenance.formats import png_with_texts

    return png_with_texts(data, Provenance.now().png_texts())


def save_outputs(files: list[Any], job_id: str, output_dir: Path) -> list[JobOutput]:
    """Write fetched files as outputs/jobs/<job id>/<node id>_<n><ext>: the same names on every attempt.
    Names are built from sanitised parts only, so a node id such as `../../x` cannot leave the job's folder."""
    target = job_output_dir(output_dir, safe_name_part(job_id))
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob(".*.part"):  # left by an attempt that was killed mid-write
        stale.unlink(missing_ok=True)
    per_node: dict[str, int] = {}
    saved: list[JobOutput] = []
    for file in files:
        index = per_node.get(file.node_id, 0)
        per_node[file.node_id] = index + 1
        suffix = safe_name_part(Path(file.filename).suffix.lstrip("."), "bin", 8)
        name = f"{safe_name_part(file.node_id, 'node')}_{index:02d}.{suffix}"
        temporary = target / f".{name}.{os.getpid()}.part"
        facts = facts_from_output(file.data)
        data = _face_swap_png(file.data) if facts.operation == FACE_SWAP else file.data
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target / name)
            stamp_output(target / name, facts)  # C2PA Content Credentials (issue 21)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            if not is_disk_full(exc):
                raise
            (target / name).unlink(missing_ok=True)  # written but not signed
            for output in saved:  # a partial set is worse than none: the retry writes them all again
                (output_dir / output.path).unlink(missing_ok=True)
            raise DiskFullError(disk_full_message(target)) from None
        saved.append(
            JobOutput(
                node_id=file.node_id,
                filename=file.filename,
                kind=file.kind,
                path=str((target / name).relative_to(output_dir)),
            )
        )
    return saved


class FollowMixin:
    """JobRunner's prompt following (runner.py builds the runner from this and ErrorMixin)."""

    # ---- ComfyUI ------------------------------------------------------------------------------------
    def _submit_and_follow(self, job: Job, prompt: dict[str, Any]) -> None:
        client = self.pool.client(job.backend)
        try:
            if job.kind == "book_render":
                self._record_run(job, {"prompt": prompt, "backend": job.backend, "prompt_id": job.prompt_id})
            upload_inputs(job, client, self.output_dir)
            connect = getattr(client, "connect", None)
            if connect is not None:  # socket first: every event of the prompt (its timings) is seen
                connect()
            client.submit(prompt, prompt_id=job.prompt_id)
        except ComfyError as exc:
            self._on_comfy_error(job, exc)
            return
        if not is_same_run(self.store.get(job.id), job.prompt_id):  # cancelled while it was being posted
            self.withdraw(job)  # a cancel that looked at the backend before the POST found nothing to stop
            return
        self._follow(job, submitted=True, prompt=prompt)

    def _follow(self, job: Job, *, submitted: bool, prompt: dict[str, Any] | None = None) -> None:
        client = self.pool.client(job.backend)
        previews = PreviewWriter(self.output_dir, job.id)
        steps = ProgressFollower(node_types(prompt or job.parameters.get("prompt")), write_every_s=PROGRESS_EVERY_S)

        def on_event(event: Any) -> None:
            preview = previews.offer(event)
            update = {"preview": preview} if preview is not None else steps.offer(event)
            if update:
                self.store.mutate(
                    job.id, lambda cur: cur.model_copy(update=update) if is_same_run(cur, job.prompt_id) else None
                )

        try:
            result = client.wait(job.prompt_id, on_event=on_event, timeout=self.prompt_timeout_s)
            outputs = save_outputs(result.files, job.id, self.output_dir)
        except ComfyError as exc:
            self._on_comfy_error(job, exc)
            return
        except DiskFullError as exc:
            self._on_disk_full(job, str(exc))
            return
        if job.kind == "book_render":
            outputs.append(
                self._record_run(
                    job,
                    {
                        "backend": job.backend,
                        "prompt_id": job.prompt_id,
                        "comfy_execution_s": result.timings.comfy_execution_s,
                    },
                )
            )
        self.transitions.succeed(job, outputs)

    def _record_run(self, job: Job, values: dict[str, Any]) -> JobOutput:
        """jobs/<id>/run.json: the prompt a book_render job posted, where, and how long ComfyUI took (the book's
        record)."""
        path = job_output_dir(self.output_dir, job.id) / "run.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        record.update(values)
        temporary = path.with_name(f".run.json.{os.getpid()}.{threading.get_ident()}.part")
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
        return JobOutput(node_id="run", filename="run.json", kind="data", path=str(path.relative_to(self.output_dir)))
