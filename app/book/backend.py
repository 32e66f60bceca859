"""What the book builder asks of an image backend, as typed messages.

`PanelBackend` is the seam between orchestration and generation: `ComfyBackend` (comfy_backend.py)
runs the built-in workflows on a ComfyUI server; anything else implementing these three methods can
stand in (a queue-backed runner, another server). Requests and results are plain dataclasses so they
can cross a queue or process boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from PIL import Image

from .prompts import LoraChoice

GenerationWorkflow = Literal["panel", "background", "img2img_restyle"]
# Features a backend may lack; capabilities() maps each to "" (available) or the reason it is not.
Feature = Literal["ipadapter", "lora", "restore", "faceswap", "identity"]


@dataclass(frozen=True)
class GenerationRequest:
    workflow: GenerationWorkflow
    positive: str
    negative: str
    seed: int
    width: int
    height: int
    steps: int | None = None
    cfg: float | None = None
    checkpoint: str | None = None
    loras: tuple[LoraChoice, ...] = ()
    references: tuple[Path, ...] = ()  # character reference images (IPAdapter, when the backend has it)
    init_image: Image.Image | None = field(default=None, compare=False, repr=False)  # img2img source
    strength: float | None = None  # img2img denoise
    family: str | None = None  # model family (app.workflows.families id); None: the backend's default


@dataclass
class GenerationResult:
    image: Image.Image
    workflow: str
    parameters: dict[str, Any]
    api_prompt: dict[str, Any] = field(default_factory=dict, repr=False)
    prompt_id: str | None = None
    comfy_execution_s: float | None = None
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    legs: dict[str, float] = field(default_factory=dict)  # prepare/queue/execute/notify/fetch ms of the run

    @property
    def overhead_ms(self) -> float | None:
        """Time spent outside ComfyUI's own execution (prepare, queue pickup, events, download, decode); for a
        prompt submitted ahead (legs["prefetched"]), its queue time overlapped other work and is not counted."""
        if self.comfy_execution_s is None:
            return None
        if self.legs.get("prefetched"):
            return sum(v for k, v in self.legs.items() if k in ("prepare_ms", "notify_ms", "fetch_ms", "decode_ms"))
        return max(0.0, (self.wall_s - self.comfy_execution_s) * 1000.0)


class BackendUnavailable(Exception):
    """A feature the backend cannot run (missing node pack or model); the message is one sentence."""


class PanelBackend(Protocol):
    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Make one picture (txt2img panel/background, or img2img restyle)."""
        ...

    def restore(self, image: Image.Image) -> GenerationResult:
        """Upscale + face-restore a picture; raise BackendUnavailable when the backend cannot."""
        ...

    def character_sheet(
        self,
        positive: str,
        expressions: str,
        negative: str,
        seed: int,
        size: tuple[int, int],
        pose: Image.Image,
        *,
        checkpoint: str | None = None,
        steps: int | None = None,
        controlnet: str | None = None,
        family: str | None = None,
    ) -> dict[str, GenerationResult]:
        """A turnaround and an expression sheet: {"turnaround": ..., "expressions": ...}; `controlnet` names the
        OpenPose ControlNet file when it is not the workflow's; `family` the model family (None: the backend's
        default), made with that family's sheet workflow (app/book/family_plan.plan_sheet)."""
        ...

    def capabilities(self) -> dict[str, str]: ...


class PrefetchingBackend(PanelBackend, Protocol):
    """A backend that can start a request early (ComfyBackend): the builder submits the next panel while
    it checks the current one, so the server never waits for the app's gates."""

    def prefetch(self, request: GenerationRequest) -> None: ...

    def cancel_prefetched(self) -> None: ...
