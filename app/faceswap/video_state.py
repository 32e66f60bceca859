"""The small JSON state that makes a video swap resumable from its last finished chunk."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path

STATE_VERSION = 1


@dataclass
class ChunkStats:
    frames: int = 0
    frames_with_faces: int = 0
    frames_swapped: int = 0
    unmatched: list[list[int]] = field(default_factory=list)  # [first, last] frame ranges without a selected face


@dataclass
class SwapState:
    key: str
    chunk_frames: int
    segments: list[str] = field(default_factory=list)
    stats: list[ChunkStats] = field(default_factory=list)
    gate_samples: int = 0
    gate_hits: int = 0
    gate_frames: list[int] = field(default_factory=list)
    version: int = STATE_VERSION


def work_dir_for(out: Path) -> Path:
    return out.parent / f".{out.name}.inkframe-work"


def job_key(*parts: object) -> str:
    """A fingerprint of everything that decides the output (inputs, settings); a change restarts the job."""
    digest = hashlib.sha256()
    for part in parts:
        _feed(digest, part)
    return digest.hexdigest()


def _feed(digest: hashlib._Hash, value: object) -> None:
    """Hash a value exactly: arrays by their bytes (repr would abbreviate them), dataclasses field by field."""
    import numpy as np

    if isinstance(value, np.ndarray):
        digest.update(str((value.dtype, value.shape)).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__name__.encode())
        for item in fields(value):
            digest.update(item.name.encode())
            _feed(digest, getattr(value, item.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _feed(digest, item)
    else:
        digest.update(repr(value).encode("utf-8"))
    digest.update(b"\0")


def load_state(work_dir: Path, key: str, chunk_frames: int) -> SwapState:
    """The saved state when it belongs to the same job and its segments exist; otherwise a fresh one."""
    path = work_dir / "state.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = SwapState(
            **{k: v for k, v in data.items() if k not in ("stats",)},
            stats=[ChunkStats(**s) for s in data.get("stats", [])],
        )
    except (OSError, ValueError, TypeError):
        state = None
    if (
        state is None
        or state.version != STATE_VERSION
        or state.key != key
        or state.chunk_frames != chunk_frames
        or len(state.stats) != len(state.segments)
        or not all((work_dir / s).is_file() for s in state.segments)
    ):
        if work_dir.exists():
            shutil.rmtree(work_dir)
        work_dir.mkdir(parents=True)
        return SwapState(key=key, chunk_frames=chunk_frames)
    return state


def save_state(work_dir: Path, state: SwapState) -> None:
    """Write atomically (a crash leaves either the old or the new state)."""
    tmp = work_dir / "state.json.tmp"
    tmp.write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
    os.replace(tmp, work_dir / "state.json")


def add_unmatched(ranges: list[list[int]], frame: int) -> None:
    if ranges and ranges[-1][1] == frame - 1:
        ranges[-1][1] = frame
    else:
        ranges.append([frame, frame])
