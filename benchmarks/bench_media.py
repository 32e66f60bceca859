"""app/media throughput against the same ffmpeg commands run directly, in the same run.

Decode a synthetic H.264 clip to RGB frames and encode them again with libx264, once through app/media
(`encode_frames(iter_frames(...))`: frames cross Python as numpy arrays) and once as the identical two
ffmpeg commands joined by an OS pipe. Runs alternate; medians are compared.
Target: app/media throughput / direct ffmpeg throughput >= 0.9.

Run: `.venv/bin/python -m benchmarks media` or
`.venv/bin/python benchmarks/bench_media.py [--size 1280x720 --seconds 10]`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.media import EncodeOptions, encode_frames, iter_frames, probe  # noqa: E402
from app.media.ffmpeg_builder import decode_args, encode_args  # noqa: E402

TARGET = 0.9


def make_clip(path: Path, size: str, seconds: float, fps: int) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate={fps}:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=600,
    )
    return path


def run_direct(src: Path, out: Path, width: int, height: int, options: EncodeOptions) -> float:
    started = time.perf_counter()
    decoder = subprocess.Popen(decode_args("ffmpeg", src), stdout=subprocess.PIPE)
    encoder = subprocess.Popen(encode_args("ffmpeg", out, width, height, options), stdin=decoder.stdout)
    assert decoder.stdout is not None
    decoder.stdout.close()
    if encoder.wait(timeout=600) or decoder.wait(timeout=600):
        raise RuntimeError("direct ffmpeg pipeline failed")
    return time.perf_counter() - started


def run_media(src: Path, out: Path, options: EncodeOptions) -> float:
    started = time.perf_counter()
    encode_frames(iter_frames(src), out, options)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv or [])
    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        src = make_clip(Path(tmp) / "src.mp4", args.size, args.seconds, args.fps)
        info = probe(src)
        options = EncodeOptions(codec="h264", fps=Fraction(args.fps))
        direct, ours = [], []
        run_media(src, Path(tmp) / "warm.mp4", options)
        for _ in range(args.repeats):
            direct.append(run_direct(src, Path(tmp) / "direct.mp4", info.width, info.height, options))
            ours.append(run_media(src, Path(tmp) / "media.mp4", options))
        assert probe(Path(tmp) / "media.mp4").frame_count == info.frame_count
    frames = info.frame_count
    d, m = statistics.median(direct), statistics.median(ours)
    ratio = d / m
    print(f"clip: {info.width}x{info.height}, {frames} frames, h264 -> RGB -> h264 (veryfast, crf 18)")
    print(f"direct ffmpeg pipe : {frames / d:7.1f} frames/s (median of {args.repeats})")
    print(f"app/media          : {frames / m:7.1f} frames/s")
    print(f"throughput ratio   : {ratio:.3f} (target >= {TARGET}) {'PASS' if ratio >= TARGET else 'FAIL'}")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
