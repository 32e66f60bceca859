"""Long clips in overlapping chunks, stitched back with a linear cross-fade over each overlap.

Only the overlap is held in memory, so stitching stays flat in clip length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from .errors import MediaError


@dataclass(frozen=True)
class Chunk:
    """Frames [start, end) of a clip; `overlap` frames at its head repeat the previous chunk's tail."""

    index: int
    start: int
    end: int
    overlap: int

    @property
    def length(self) -> int:
        return self.end - self.start


def plan_chunks(frame_count: int, chunk_frames: int, overlap: int = 0) -> list[Chunk]:
    """Split frame_count frames into chunks of at most chunk_frames that overlap by `overlap` frames."""
    if chunk_frames <= 0:
        raise MediaError(f"chunk length must be at least 1 frame, got {chunk_frames}.")
    if overlap < 0 or overlap >= chunk_frames:
        raise MediaError(f"chunk overlap {overlap} must be between 0 and the chunk length {chunk_frames} minus 1.")
    chunks: list[Chunk] = []
    start = 0
    while start < frame_count:
        head = 0 if not chunks else overlap
        begin = start - head
        end = min(frame_count, begin + chunk_frames)
        chunks.append(Chunk(index=len(chunks), start=begin, end=end, overlap=head))
        start = end
    return chunks


def crossfade(tail: list[np.ndarray], head: list[np.ndarray]) -> list[np.ndarray]:
    """Blend the previous chunk's last frames into the next chunk's first frames (linear weights)."""
    if len(tail) != len(head):
        raise MediaError(f"cross-fade needs equal overlaps, got {len(tail)} and {len(head)} frames.")
    n = len(tail)
    out = []
    for i, (a, b) in enumerate(zip(tail, head)):
        w = (i + 1) / (n + 1)
        out.append(np.clip(a.astype(np.float32) * (1 - w) + b.astype(np.float32) * w + 0.5, 0, 255).astype(np.uint8))
    return out


def stitch_chunks(plan: list[Chunk], render: Callable[[Chunk], Iterable[np.ndarray]]) -> Iterator[np.ndarray]:
    """Yield one continuous stream of plan's frames: render(chunk) gives each chunk's processed frames
    (chunk.length of them) and each overlap is cross-faded with the previous chunk's tail."""
    held: list[np.ndarray] = []
    for k, chunk in enumerate(plan):
        next_overlap = plan[k + 1].overlap if k + 1 < len(plan) else 0
        iterator = iter(render(chunk))
        head = list(islice(iterator, chunk.overlap))
        if len(head) != chunk.overlap or len(held) != chunk.overlap:
            raise MediaError(f"chunk {chunk.index} gave {len(head)} overlap frames, expected {chunk.overlap}.")
        yield from crossfade(held, head)
        held = []
        body = chunk.length - chunk.overlap
        count = 0
        for frame in iterator:
            if count >= body - next_overlap:
                held.append(frame)
            else:
                yield frame
            count += 1
        if count != body:
            raise MediaError(f"chunk {chunk.index} gave {count + chunk.overlap} frames, expected {chunk.length}.")
    yield from held
