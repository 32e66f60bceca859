"""Still-image face swap: one target picture -> one saved result with provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine import FaceSwapEngine
from .errors import NoFaceFound
from .nsfw import NsfwGate
from .safety import Provenance, draw_visible_mark, save_image
from .types import SourceIdentity, SwapSettings


@dataclass(frozen=True)
class ImageReport:
    out: Path | None
    faces_found: int
    faces_swapped: int
    nsfw_score: float | None = None


@dataclass(frozen=True)
class ImageJob:
    target_name: str
    target: np.ndarray
    source: SourceIdentity
    settings: SwapSettings
    out: Path | None = None
    visible_mark: bool = False
    provenance: Provenance = field(default_factory=Provenance.now)


def swap_image(engine: FaceSwapEngine, job: ImageJob, gate: NsfwGate | None = None) -> tuple[np.ndarray, ImageReport]:
    """Swap the selected faces of an RGB picture; save it (with provenance) when job.out is set."""
    outcome = engine.process(job.target, job.source, job.settings)
    if outcome.faces_found == 0:
        raise NoFaceFound(f"no face was found in the target {job.target_name}; use a picture where the face is clear.")
    if outcome.faces_swapped == 0:
        raise NoFaceFound(
            f"{outcome.faces_found} face(s) were found in {job.target_name} but none matches the selection; "
            "check the selector, the reference face or the gender/age filters."
        )
    frame = draw_visible_mark(outcome.frame) if job.visible_mark else outcome.frame
    score = gate.check_image(frame, name=f"the swap of {job.target_name}") if gate is not None else None
    if job.out is not None:
        save_image(frame, job.out, job.provenance)
    return frame, ImageReport(
        out=job.out, faces_found=outcome.faces_found, faces_swapped=outcome.faces_swapped, nsfw_score=score
    )
