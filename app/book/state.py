"""Build state on disk: one JSON record per panel beside its image, and one file for the book.

    OUT/panels/p01_panel02.png      the panel's final (gated, graded) art
    OUT/panels/p01_panel02.json     PanelRecord: prompt, seed, workflow, every attempt with its scores
    OUT/attempts/p01_panel02/*.png  every generated / repaired picture, named by attempt and seed
    OUT/locations/<id>.png          location plates generated for this build
    OUT/build.json                  BookState: script, options, plates, figures of the last run

Files are written atomically (temporary name, then rename). A panel is reused on resume when its
record says `done`, its image exists and its fingerprint (everything that decides the picture: prompts,
size, seed, workflow, model, steps, plate, references, overrides) is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BookError
from .plan import PanelRef

STATE_VERSION = 1
PanelStatus = Literal["pending", "done", "failed"]
AttemptKind = Literal["generate", "retry", "faceswap", "restore", "plate-crop"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FaceScoreRecord(_Record):
    character: str
    similarity: float | None = None
    passed: bool | None = None  # None: not measured (no reference, no face, no embedder)
    note: str = ""


class Attempt(_Record):
    kind: AttemptKind
    seed: int | None = None
    file: str | None = None  # relative to the build folder
    prompt_id: str | None = None
    comfy_execution_s: float | None = None
    app_overhead_ms: float | None = None
    legs: dict[str, float] = Field(default_factory=dict)
    identity: list[FaceScoreRecord] = Field(default_factory=list)
    identity_passed: bool | None = None
    quality: float | None = None
    brisque: float | None = None
    sharpness: float | None = None
    note: str = ""


class PanelRecord(_Record):
    version: int = STATE_VERSION
    page: int
    panel: int
    status: PanelStatus = "pending"
    fingerprint: str = ""
    workflow: str = ""
    width: int = 0
    height: int = 0
    seed: int | None = None
    base_seed: int | None = None
    positive: str = ""
    negative: str = ""
    loras: list[dict[str, Any]] = Field(default_factory=list)
    characters: list[str] = Field(default_factory=list)
    location: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)  # {"seed": int, "prompt": str} from --regenerate
    parameters: dict[str, Any] = Field(default_factory=dict)  # the workflow parameters as bound
    api_prompt: dict[str, Any] = Field(default_factory=dict)  # what ComfyUI ran for the kept picture
    attempts: list[Attempt] = Field(default_factory=list)
    image: str | None = None
    chosen_attempt: int | None = None
    retries: int = 0
    repairs: int = 0
    identity: list[FaceScoreRecord] = Field(default_factory=list)
    identity_passed: bool | None = None
    quality: float | None = None
    quality_passed: bool | None = None
    notes: list[str] = Field(default_factory=list)
    app_overhead_ms: float | None = None
    app_cpu_ms: float | None = None  # CPU time of the app process for this panel (insensitive to machine load)
    comfy_execution_s: float | None = None

    @property
    def ref(self) -> PanelRef:
        return PanelRef(self.page, self.panel)


class BookState(_Record):
    version: int = STATE_VERSION
    title: str = ""
    script: str = ""
    style: dict[str, Any] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    plates: dict[str, dict[str, Any]] = Field(default_factory=dict)  # location id -> {file, seed, fingerprint, ...}
    figures: dict[str, Any] = Field(default_factory=dict)
    capabilities: dict[str, str] = Field(default_factory=dict)  # feature -> "" (on) or the reason it is off
    outputs: dict[str, list[str]] = Field(default_factory=dict)


def fingerprint(data: Any) -> str:
    """A short stable hash of JSON-able inputs."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return path


class StateStore:
    """Reads and writes the build folder's records."""

    def __init__(self, out_dir: Path) -> None:
        self.out = Path(out_dir)

    def panel_json(self, ref: PanelRef) -> Path:
        return self.out / "panels" / f"{ref.key}.json"

    def panel_image(self, ref: PanelRef) -> Path:
        return self.out / "panels" / f"{ref.key}.png"

    def attempt_image(self, ref: PanelRef, index: int, kind: str, seed: int | None) -> Path:
        suffix = f"-seed{seed}" if seed is not None else ""
        return self.out / "attempts" / ref.key / f"a{index:02d}-{kind}{suffix}.png"

    def relative(self, path: Path) -> str:
        return str(Path(path).relative_to(self.out))

    def load_panel(self, ref: PanelRef) -> PanelRecord | None:
        path = self.panel_json(ref)
        if not path.is_file():
            return None
        try:
            record = PanelRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError):
            raise BookError(f"{path} is damaged; delete it to rebuild {ref}.") from None
        return record if record.version == STATE_VERSION else None

    def save_panel(self, record: PanelRecord) -> Path:
        return write_atomic(self.panel_json(record.ref), record.model_dump_json(indent=2).encode("utf-8"))

    def load_book(self) -> BookState:
        path = self.out / "build.json"
        if not path.is_file():
            return BookState()
        try:
            state = BookState.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError):
            raise BookError(f"{path} is damaged; delete it (finished panels are kept in panels/).") from None
        return state if state.version == STATE_VERSION else BookState()

    def save_book(self, state: BookState) -> Path:
        return write_atomic(self.out / "build.json", state.model_dump_json(indent=2).encode("utf-8"))

    def reusable(self, ref: PanelRef, expected_fingerprint: str) -> PanelRecord | None:
        """The finished record of `ref` when its inputs are unchanged and its image is on disk."""
        record = self.load_panel(ref)
        if record is None or record.status != "done" or record.fingerprint != expected_fingerprint:
            return None
        return record if record.image and (self.out / record.image).is_file() else None
