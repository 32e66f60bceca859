"""Video face swap: streamed, overlapped, chunked into resumable segments, joined with the source audio.

decode (ffmpeg) -> detect + track (producer thread, in order) -> swap/restore/paste (worker pool)
-> mark, NSFW sampling, encode (this thread, in order). Only a bounded window of frames is in flight, so
memory is flat in clip length. Every `chunk_frames` frames the segment is closed and the state saved; a
rerun with the same inputs and settings skips the finished chunks.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..media import EncodeOptions, TimeRange, VideoInfo, VideoWriter, codec_spec, concat, iter_frames, probe
from .engine import FaceSwapEngine, FrameOutcome, new_tracker
from .errors import NoFaceFound
from .nsfw import NsfwGate, VideoGateTally
from .safety import Provenance, draw_visible_mark
from .types import SourceIdentity, SwapSettings
from .video_state import ChunkStats, SwapState, add_unmatched, job_key, load_state, save_state, work_dir_for


@dataclass(frozen=True)
class Progress:
    """Reported after every finished frame."""

    done: int
    total: int
    chunk: int
    resumed_frames: int = 0


@dataclass(frozen=True)
class VideoJob:
    target: Path
    out: Path
    source: SourceIdentity
    settings: SwapSettings
    codec: str = "h264"
    crf: int | None = None
    trim: TimeRange | None = None
    chunk_seconds: float = 10.0
    workers: int = 2
    visible_mark: bool = False
    provenance: Provenance = field(default_factory=Provenance.now)


@dataclass
class VideoReport:
    out: Path
    frames: int
    frames_with_faces: int
    frames_swapped: int
    unmatched: list[list[int]]
    has_audio: bool
    resumed_chunks: int
    gate_samples: int
    gate_hits: int
    seconds: float
    fps: Fraction


def _segment_options(job: VideoJob, info: VideoInfo) -> EncodeOptions:
    codec = "h264" if job.codec == "gif" else job.codec
    crf = 12 if job.codec == "gif" else job.crf
    return EncodeOptions(codec=codec, fps=info.fps, crf=crf).with_source_colour(info)  # type: ignore[arg-type]


def _produce(
    engine: FaceSwapEngine,
    job: VideoJob,
    frames,
    skip: int,
    pool: ThreadPoolExecutor,
    out_q: queue.Queue,
    stop: threading.Event,
) -> None:
    """Decode, detect and track in order; submit each frame's swap to the pool; queue the futures in order."""
    tracker = new_tracker(job.settings)
    try:
        for index, frame in enumerate(frames):
            if stop.is_set():
                return
            if index < skip:
                continue
            detections = engine.detect(frame)
            if tracker is not None:
                detections = [d for _, d in tracker.update(detections)]
            _put(out_q, (index, pool.submit(engine.process, frame, job.source, job.settings, detections)), stop)
        _put(out_q, None, stop)
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
        _put(out_q, exc, stop)
    finally:
        frames.close()


def _put(out_q: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            out_q.put(item, timeout=0.2)
            return
        except queue.Full:
            continue


def swap_video(
    engine: FaceSwapEngine,
    job: VideoJob,
    gate: NsfwGate | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> VideoReport:
    started = time.monotonic()
    info = probe(job.target)
    chunk_frames = max(1, int(round(job.chunk_seconds * float(info.fps))))
    key = job_key(
        str(job.target.resolve()),
        job.target.stat().st_size,
        job.target.stat().st_mtime_ns,
        job.source.embedding.tobytes(),
        job.settings,
        job.codec,
        job.crf,
        job.trim,
        job.visible_mark,
        None if gate is None else (gate.threshold, gate.video_share, gate.sample_every),
    )
    work = work_dir_for(job.out)
    state = load_state(work, key, chunk_frames)
    resumed_chunks = len(state.segments)
    skip = resumed_chunks * chunk_frames
    first, last = (job.trim or TimeRange()).frame_span(info.fps, info.frame_count)
    total = max(0, last - first)
    tally = VideoGateTally(state.gate_samples, state.gate_hits, list(state.gate_frames))
    seg_options = _segment_options(job, info)
    ext = codec_spec(seg_options.codec).extension

    frames = iter_frames(info, job.trim)
    out_q: queue.Queue = queue.Queue(maxsize=max(2, job.workers * 2))
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, job.workers), thread_name_prefix="faceswap")
    producer = threading.Thread(
        target=_produce, args=(engine, job, frames, skip, pool, out_q, stop), name="faceswap-decode", daemon=True
    )
    producer.start()
    writer: VideoWriter | None = None
    stats = ChunkStats()
    done = skip
    try:
        while True:
            item = out_q.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            index, future = item
            absolute = first + index  # frame numbers in reports count from the start of the clip, not of the trim
            outcome: FrameOutcome = future.result()
            frame = outcome.frame
            if job.visible_mark:
                frame = draw_visible_mark(frame if outcome.faces_swapped else frame.copy())
            if gate is not None:
                gate.sample_frame(absolute, frame, tally)
                if gate.is_certainly_blocked(tally, expected_samples=-(-max(total, 1) // gate.sample_every)):
                    break
            if writer is None:
                segment = f"segment-{len(state.segments):05d}{ext}"
                writer = VideoWriter(work / f"partial-{segment}", frame.shape[1], frame.shape[0], seg_options)
            writer.write(frame)
            _count(stats, absolute, outcome)
            done += 1
            if progress is not None:
                progress(Progress(done=done, total=max(total, done), chunk=len(state.segments), resumed_frames=skip))
            if stats.frames == chunk_frames:
                _finish_segment(writer, segment, work, state, stats, tally)
                writer, stats = None, ChunkStats()
        if writer is not None and not (gate is not None and gate.is_blocked(tally)):
            _finish_segment(writer, segment, work, state, stats, tally)
            writer = None
    except BaseException:
        stop.set()
        if writer is not None:
            writer.abort()
        raise
    finally:
        stop.set()
        if writer is not None:
            writer.abort()
        _drain(out_q)
        producer.join(timeout=30)
        pool.shutdown(wait=True, cancel_futures=True)

    frames_total = sum(s.frames for s in state.stats)
    swapped = sum(s.frames_swapped for s in state.stats)
    unmatched = [r for s in state.stats for r in s.unmatched]
    if gate is not None:
        try:
            gate.check_video(tally, name=f"the swap of {job.target.name}")
        except Exception:
            shutil.rmtree(work, ignore_errors=True)
            raise
    if swapped == 0:
        shutil.rmtree(work, ignore_errors=True)
        raise NoFaceFound(
            f"no face matching the selection was found in any of the {frames_total} frames of {job.target}; "
            "check the selector, the reference face or the gender/age filters."
        )
    final = EncodeOptions(
        codec=job.codec,  # type: ignore[arg-type]
        fps=info.fps,  # type: ignore[arg-type]
        audio_source=job.target if info.has_audio else None,
        audio_range=job.trim,
        metadata=job.provenance.as_metadata(),
    )
    partial = job.out.with_name(f".{job.out.stem}.partial{job.out.suffix}")
    concat([work / s for s in state.segments], partial, final)
    os.replace(partial, job.out)
    shutil.rmtree(work, ignore_errors=True)
    return VideoReport(
        out=job.out,
        frames=frames_total,
        frames_with_faces=sum(s.frames_with_faces for s in state.stats),
        frames_swapped=swapped,
        unmatched=unmatched,
        has_audio=info.has_audio,
        resumed_chunks=resumed_chunks,
        gate_samples=tally.samples,
        gate_hits=tally.hits,
        seconds=time.monotonic() - started,
        fps=info.fps,
    )


def _count(stats: ChunkStats, index: int, outcome: FrameOutcome) -> None:
    stats.frames += 1
    if outcome.faces_found:
        stats.frames_with_faces += 1
    if outcome.faces_swapped:
        stats.frames_swapped += 1
    else:
        add_unmatched(stats.unmatched, index)


def _finish_segment(
    writer: VideoWriter, name: str, work: Path, state: SwapState, stats: ChunkStats, tally: VideoGateTally
) -> None:
    path = writer.close()
    os.replace(path, work / name)
    state.segments.append(name)
    state.stats.append(stats)
    state.gate_samples, state.gate_hits, state.gate_frames = tally.samples, tally.hits, list(tally.frames)
    save_state(work, state)


def _drain(out_q: queue.Queue) -> None:
    while True:
        try:
            out_q.get_nowait()
        except queue.Empty:
            return


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2)))
