"""Face-swap video pipeline figures, each against a baseline measured in the same run.

1. Throughput: the whole video pipeline (`swap_video`: decode, detect + track, swap, paste, encode, joined
   with audio) against model inference alone (detection + the swapper model with its alignment, on the same
   frames already in memory, with the same worker count). Target: pipeline / inference >= 0.85.
2. Memory: the highest RSS (sampled every 20 ms) of a child process while it swaps a 10 s clip and a 60 s
   clip (the 1x1-conv swapper stand-in keeps this part short). Target: the same within 10 % (memory flat).

Models are the test stand-ins with the real file signatures (random weights) and mediapipe's shipped
detector; the swapper stand-in gets `--swapper-depth` 64-channel 3x3 convolutions so that it costs roughly
what inswapper_128 costs (a 1x1-conv stand-in would make the figure measure ffmpeg start-up only). The
enhancer is off (GFPGAN on CPU costs seconds per face and would only measure torch).
Run: `.venv/bin/python -m benchmarks faceswap` or `.venv/bin/python benchmarks/bench_faceswap.py [--size 256]`.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.faceswap import SwapSettings, VideoJob, swap_video  # noqa: E402
from app.media import EncodeOptions, VideoWriter, iter_frames  # noqa: E402
from tests.modelkit import astronaut, stand_in_engine  # noqa: E402

THROUGHPUT_TARGET = 0.85
MEMORY_TOLERANCE = 0.10
SETTINGS = SwapSettings(enhancer="none")


def make_clip(path: Path, seconds: float, fps: int, size: int) -> Path:
    """A face moving on a slow circle (streamed into the encoder, never held whole), with no audio."""
    import cv2

    face = cv2.resize(astronaut(), (size * 2, size * 2), interpolation=cv2.INTER_AREA)
    frames = int(seconds * fps)
    with VideoWriter(path, size, size, EncodeOptions(fps=Fraction(fps), crf=16)) as writer:
        for i in range(frames):
            angle = 2 * math.pi * i / max(1, fps * 4)
            x = int(size * 0.5 + size * 0.12 * math.cos(angle))
            y = int(size * 0.2 + size * 0.08 * math.sin(angle))
            writer.write(np.ascontiguousarray(face[y : y + size, x : x + size]))
    return path


def inference_only(engine, frames: list[np.ndarray], source, workers: int) -> float:
    """Detection + the swapper model (alignment included) per frame, nothing else; returns seconds."""
    swapper = engine.parts.swapper

    def infer(frame: np.ndarray) -> int:
        faces = engine.analyzer.analyze(frame, detections=engine.detect(frame), embed=False)
        for face in faces[:1]:
            swapper.swap(frame, face, source)
        return len(faces)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = sum(1 for n in pool.map(infer, frames) if n)
    elapsed = time.perf_counter() - started
    assert found == len(frames), f"the detector missed the face in {len(frames) - found} frames"
    return elapsed


def pipeline(engine, clip: Path, out: Path, source, workers: int) -> float:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    report = swap_video(engine, VideoJob(clip, out, source, SETTINGS, chunk_seconds=10.0, workers=workers))
    elapsed = time.perf_counter() - started
    assert report.frames_swapped == report.frames
    return elapsed


def current_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(clip: Path, out: Path, depth: int) -> int:
    """Run one swap; print the process's peak RSS and the highest RSS sampled while swapping."""
    import threading

    engine = stand_in_engine(enhancer=False, genderage=False, swapper_depth=depth)
    source = engine.identity_from_images([("astronaut.png", astronaut())])
    loaded = current_rss_kb()
    highest = [loaded]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            highest[0] = max(highest[0], current_rss_kb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    report = swap_video(engine, VideoJob(clip, out, source, SETTINGS, chunk_seconds=10.0, workers=2))
    stop.set()
    sampler.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "frames": report.frames,
                "peak_kb": peak,
                "swap_peak_kb": highest[0],
                "after_load_kb": loaded,
                "seconds": report.seconds,
            }
        )
    )
    return 0


def measure_memory(clip: Path, out: Path, depth: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(clip), str(out), str(depth)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="frame side in pixels")
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=12.0, help="clip length for the throughput figure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--swapper-depth", type=int, default=3, help="3x3 conv layers in the swapper stand-in")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", nargs=3, metavar=("CLIP", "OUT", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv or [])
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-faceswap-") as tmp:
        root = Path(tmp)
        clip = make_clip(root / "clip.mp4", args.seconds, args.fps, args.size)
        engine = stand_in_engine(enhancer=False, genderage=False, swapper_depth=args.swapper_depth)
        source = engine.identity_from_images([("astronaut.png", astronaut())])
        frames = list(iter_frames(clip))
        pipeline(engine, clip, root / "warm.mp4", source, args.workers)
        inference_s, pipeline_s = [], []
        for _ in range(args.repeats):
            inference_s.append(inference_only(engine, frames, source, args.workers))
            pipeline_s.append(pipeline(engine, clip, root / "out.mp4", source, args.workers))
        n = len(frames)
        inf_fps, pipe_fps = n / statistics.median(inference_s), n / statistics.median(pipeline_s)
        ratio = pipe_fps / inf_fps
        ok &= ratio >= THROUGHPUT_TARGET
        print(f"clip: {args.size}x{args.size}, {n} frames, {args.workers} workers, enhancer off")
        print(f"model inference only : {inf_fps:7.1f} frames/s (median of {args.repeats})")
        print(f"video pipeline       : {pipe_fps:7.1f} frames/s")
        print(
            f"throughput ratio     : {ratio:.3f} (target >= {THROUGHPUT_TARGET}) "
            f"{'PASS' if ratio >= THROUGHPUT_TARGET else 'FAIL'}"
        )
        del frames
        peaks = {}
        for seconds in (10, 60):
            long_clip = make_clip(root / f"clip{seconds}.mp4", seconds, args.fps, args.size)
            peaks[seconds] = measure_memory(
                long_clip, root / f"out{seconds}.mp4", 0
            )  # memory does not depend on model cost
            p = peaks[seconds]
            print(
                f"{seconds:>3} s clip ({p['frames']} frames): peak RSS {p['peak_kb'] / 1024:7.1f} MiB, "
                f"highest RSS while "
                f"swapping {p['swap_peak_kb'] / 1024:.1f} MiB (after model load {p['after_load_kb'] / 1024:.1f} MiB), "
                f"{p['seconds']:.1f} s"
            )
        growth = abs(peaks[60]["swap_peak_kb"] - peaks[10]["swap_peak_kb"]) / peaks[10]["swap_peak_kb"]
        ok &= growth <= MEMORY_TOLERANCE
        print(
            f"peak memory 60 s vs 10 s: {growth:+.1%} (target within {MEMORY_TOLERANCE:.0%}) "
            f"{'PASS' if growth <= MEMORY_TOLERANCE else 'FAIL'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
