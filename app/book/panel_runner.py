"""One panel through the gates: generate, check identity (retry with new seeds, then repair with a face
swap), check quality (upscale + face restore), colour-grade, save with its record.

`PanelJob` is everything one panel needs (a plain dataclass: it can be handed to a queue worker);
`PanelRunner.run(job)` returns the finished `PanelRecord`. Every picture made on the way is kept under
attempts/ with its seed and scores, so the report can show what the gates did.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from ..provenance import facts_from_prompt, generated
from ..provenance.stamping import stamp_output
from ..quality import FaceEmbedder, QualityError, QualityScore, quality_score
from .backend import BackendUnavailable, GenerationRequest, GenerationResult, PanelBackend
from .errors import BookError
from .gates import IdentityVerdict, attempt_rank, check_identity
from .plan import PanelRef, attempt_seed
from .state import Attempt, FaceScoreRecord, PanelRecord, StateStore

REPAIR_OPERATION = "face swap (book character repair; consent: the user's own character library)"
TOOL_NAME = "Inkframe Studio"


class FaceRepairer(Protocol):
    def repair(self, image: Image.Image, references: Sequence[Path], character: str) -> Image.Image:
        """The picture with `character`'s face replaced from `references`; raise BookError when it cannot."""
        ...


@dataclass(frozen=True)
class GateSettings:
    identity_threshold: float = 0.45
    identity_retries: int = 2
    identity_repairs: int = 1
    quality_threshold: float = 0.5


@dataclass(frozen=True)
class PanelJob:
    ref: PanelRef
    request: GenerationRequest
    fingerprint: str
    base_seed: int
    face_expected: bool
    references: Mapping[str, tuple[Path, ...]] = field(default_factory=dict)  # character -> reference images
    location: str | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    plate_crop: Image.Image | None = field(default=None, repr=False)  # use as-is (location `use: crop`)
    grade: Any = None  # a Lut or None
    grade_strength: float = 1.0
    notes: tuple[str, ...] = ()


@dataclass
class PanelRunner:
    backend: PanelBackend
    store: StateStore
    gates: GateSettings = field(default_factory=GateSettings)
    embedder: FaceEmbedder | None = None
    repairer: FaceRepairer | None = None
    restore_reason: str = ""  # why the restore workflow cannot run ("" = it can)
    scorer: Callable[[Any], QualityScore] = quality_score
    reference_embeddings: Mapping[str, list[np.ndarray]] = field(default_factory=dict)

    def run(self, job: PanelJob) -> PanelRecord:
        started, cpu_started = time.perf_counter(), time.process_time()
        request = job.request
        record = PanelRecord(
            page=job.ref.page,
            panel=job.ref.panel,
            fingerprint=job.fingerprint,
            workflow=request.workflow,
            width=request.width,
            height=request.height,
            base_seed=job.base_seed,
            positive=request.positive,
            negative=request.negative,
            loras=[lora.__dict__ for lora in request.loras],
            characters=list(job.references),
            location=job.location,
            overrides=dict(job.overrides),
            notes=list(job.notes),
        )
        candidates: list[tuple[tuple, Image.Image, int]] = []
        comfy_s = 0.0
        stale = self.store.attempt_image(job.ref, 0, "x", None).parent
        if stale.is_dir():  # pictures of an earlier run of this panel; its record is replaced too
            shutil.rmtree(stale)
        if job.plate_crop is not None:
            image = job.plate_crop
            attempt, verdict = self._score(
                job, image, Attempt(kind="plate-crop", note="the location plate's crop, no generation")
            )
            self._keep(record, job.ref, image, attempt)
            candidates.append((attempt_rank(verdict, attempt.quality), image, 0))
        else:
            generations = 1 + (self.gates.identity_retries if self._identity_active(job) else 0)
            for index in range(generations):
                seed = request.seed if index == 0 else attempt_seed(request.seed, index)
                result = self.backend.generate(replace(request, seed=seed))
                comfy_s += result.comfy_execution_s or 0.0
                record.notes.extend(n for n in result.notes if n not in record.notes)
                if index == 0:
                    record.parameters, record.api_prompt = result.parameters, result.api_prompt
                    record.workflow = result.workflow or record.workflow  # a model family's own (panel_flux ...)
                attempt, verdict = self._score(
                    job, result.image, self._attempt("generate" if index == 0 else "retry", seed, result)
                )
                self._keep(record, job.ref, result.image, attempt)
                candidates.append((attempt_rank(verdict, attempt.quality), result.image, len(record.attempts) - 1))
                if index:
                    record.retries += 1
                if verdict is None or verdict.passed is not False:
                    break
        _, image, chosen = max(candidates, key=lambda c: c[0])
        image = self._repair(job, record, image, chosen) if record.attempts[chosen].identity_passed is False else image
        chosen = record.chosen_attempt if record.chosen_attempt is not None else chosen
        image, chosen = self._restore(job, record, image, chosen)
        comfy_s += sum(a.comfy_execution_s or 0.0 for a in record.attempts if a.kind == "restore")
        final = record.attempts[chosen]
        record.chosen_attempt, record.seed = (
            chosen,
            next((a.seed for a in reversed(record.attempts[: chosen + 1]) if a.seed is not None), None),
        )
        record.identity, record.identity_passed = final.identity, final.identity_passed
        record.quality = final.quality
        record.quality_passed = None if final.quality is None else final.quality >= self.gates.quality_threshold
        if job.grade is not None:
            image = job.grade.apply(image, job.grade_strength)
        path = self.store.panel_image(job.ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, pnginfo=_panel_metadata(record, final))
        stamp_output(
            path, facts_from_prompt(record.api_prompt, operation="panel", workflow=record.workflow, seed=record.seed)
        )
        record.image, record.status = self.store.relative(path), "done"
        record.comfy_execution_s = round(comfy_s, 4)
        record.app_overhead_ms = round(max(0.0, time.perf_counter() - started - comfy_s) * 1000.0, 2)
        record.app_cpu_ms = round((time.process_time() - cpu_started) * 1000.0, 2)
        self.store.save_panel(record)
        return record

    # ---- gates -------------------------------------------------------------------------------------
    def _identity_active(self, job: PanelJob) -> bool:
        return self.embedder is not None and any(self.reference_embeddings.get(name) for name in job.references)

    def _score(self, job: PanelJob, image: Image.Image, attempt: Attempt) -> tuple[Attempt, IdentityVerdict | None]:
        verdict = None
        if self._identity_active(job):
            refs = {name: self.reference_embeddings.get(name, []) for name in job.references}
            verdict = check_identity(
                image, refs, self.embedder, self.gates.identity_threshold, face_expected=job.face_expected
            )
            attempt.identity = [FaceScoreRecord(**s.__dict__) for s in verdict.scores]
            attempt.identity_passed = verdict.passed
        try:
            score = self.scorer(image)
        except QualityError as exc:  # e.g. a flat picture BRISQUE cannot measure
            attempt.note = "; ".join(filter(None, [attempt.note, f"quality not measured: {exc}"]))
            return attempt, verdict
        attempt.quality, attempt.brisque, attempt.sharpness = (
            round(score.normalised, 4),
            round(score.brisque, 3),
            round(score.sharpness, 4),
        )
        return attempt, verdict

    def _attempt(self, kind: str, seed: int | None, result: GenerationResult) -> Attempt:
        return Attempt(
            kind=kind,
            seed=seed,
            prompt_id=result.prompt_id,
            comfy_execution_s=result.comfy_execution_s,
            app_overhead_ms=None if result.overhead_ms is None else round(result.overhead_ms, 2),
            legs=dict(result.legs),
        )

    def _keep(self, record: PanelRecord, ref: PanelRef, image: Image.Image, attempt: Attempt) -> None:
        path = self.store.attempt_image(ref, len(record.attempts), attempt.kind, attempt.seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        stamp_output(path, generated(f"panel {attempt.kind}", seed=attempt.seed))  # C2PA Content Credentials
        attempt.file = self.store.relative(path)
        record.attempts.append(attempt)

    def _repair(self, job: PanelJob, record: PanelRecord, image: Image.Image, chosen: int) -> Image.Image:
        failing = [s.character for s in record.attempts[chosen].identity if s.passed is False]
        if self.repairer is None:
            record.notes.append(
                f"identity below {self.gates.identity_threshold} for {', '.join(failing)}; no face repair is available."
            )
            return image
        if len(job.references) > 1:
            record.notes.append(
                f"identity below threshold for {', '.join(failing)}; face repair runs on single-character panels only."
            )
            return image
        character = failing[0]
        best = _worst(record.attempts[chosen])
        for _ in range(self.gates.identity_repairs):
            try:
                repaired = self.repairer.repair(image, job.references[character], character)
            except BookError as exc:
                record.notes.append(f"face repair of {character} failed: {exc}")
                break
            note = f"{character}'s face from the character library; {REPAIR_OPERATION}"
            attempt, verdict = self._score(job, repaired, Attempt(kind="faceswap", note=note))
            self._keep(record, job.ref, repaired, attempt)
            record.repairs += 1
            worst = _worst(attempt)
            if attempt.identity_passed is not False or (worst is not None and (best is None or worst > best)):
                image, best = repaired, worst
                record.chosen_attempt = len(record.attempts) - 1
            if verdict is not None and verdict.passed is not False:
                break
        return image

    def _restore(self, job: PanelJob, record: PanelRecord, image: Image.Image, chosen: int) -> tuple[Image.Image, int]:
        quality = record.attempts[chosen].quality
        if quality is None or quality >= self.gates.quality_threshold:
            return image, chosen
        if self.restore_reason:
            record.notes.append(
                f"quality {quality:.2f} is below {self.gates.quality_threshold}; not restored: {self.restore_reason}"
            )
            return image, chosen
        try:
            result = self.backend.restore(image)
        except (BackendUnavailable, BookError) as exc:
            record.notes.append(f"quality {quality:.2f} is below {self.gates.quality_threshold}; restore failed: {exc}")
            return image, chosen
        attempt, _verdict = self._score(job, result.image, self._attempt("restore", None, result))
        self._keep(record, job.ref, result.image, attempt)
        if (attempt.quality or 0.0) >= quality:
            return result.image, len(record.attempts) - 1
        record.notes.append(
            f"the restored picture scored {attempt.quality:.2f}, below the original {quality:.2f}; "
            "the original is kept."
        )
        return image, chosen


def _worst(attempt: Attempt) -> float | None:
    values = [s.similarity for s in attempt.identity if s.similarity is not None]
    return min(values) if values else None


def _panel_metadata(record: PanelRecord, final: Attempt) -> PngInfo:
    """PNG text chunks: what made the panel; a face-swapped panel says so (tool, operation, date) like
    every face-swap output of the app."""
    info = PngInfo()
    info.add_text(
        "inkframe:panel",
        json.dumps(
            {
                "page": record.page,
                "panel": record.panel,
                "seed": record.seed,
                "workflow": record.workflow,
                "prompt": record.positive,
            }
        ),
    )
    swapped = final.kind == "faceswap" or (
        final.kind == "restore" and any(a.kind == "faceswap" for a in record.attempts)
    )
    if swapped:
        date = datetime.now(UTC).replace(microsecond=0).isoformat()
        info.add_text("tool", TOOL_NAME)
        info.add_text("operation", REPAIR_OPERATION)
        info.add_text("date", date)
        info.add_text("comment", f"tool={TOOL_NAME}; operation={REPAIR_OPERATION}; date={date}")
    return info
