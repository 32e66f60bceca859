"""Content Credentials overhead: writing an output signed vs writing it unsigned, in the same run.

- Image: a 1024x1024 picture saved as PNG the way ComfyUI does (compress_level 4, prompt/workflow chunks),
  then signed in place (`Credentials.stamp_file`, what every hook does). Target: signed / unsigned <= 1.2.
- Video: a 10 s 1080p H.264 MP4 encoded with ffmpeg (veryfast), then signed in place. The signing time
  is also shown against a plain copy of the finished file (the cheapest possible write).

Each run times the unsigned write and the signing of that same file (paired); the median ratio is shown.
A throwaway certificate chain is made in a temporary folder.
Run: `.venv/bin/python -m benchmarks provenance` or `.venv/bin/python benchmarks/bench_provenance.py [--runs 5]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image, ImageFilter, PngImagePlugin  # noqa: E402

from app.provenance import Credentials, ProvenanceSettings, facts_from_prompt, generated, make_chain  # noqa: E402

IMAGE_TARGET = 1.2
PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 20}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
}


def picture(size: int = 1024) -> Image.Image:
    """Photo-like content (smooth shapes plus grain), so PNG compression costs what it does on real output."""
    rng = np.random.default_rng(7)
    base = Image.fromarray(rng.integers(0, 255, (size // 16, size // 16, 3), dtype=np.uint8)).resize(
        (size, size), Image.BICUBIC
    )
    grain = rng.normal(0, 6, (size, size, 3))
    return Image.fromarray(
        np.clip(np.asarray(base.filter(ImageFilter.GaussianBlur(4)), dtype=np.float64) + grain, 0, 255).astype(np.uint8)
    )


def save_png(image: Image.Image, path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(PROMPT))
    info.add_text("workflow", json.dumps({"nodes": [], "links": []}))
    image.save(path, pnginfo=info, compress_level=4)


def credentials(folder: Path) -> Credentials:
    chain, key, _ = make_chain("Benchmark signer", "Benchmark CA")
    (folder / "chain.pem").write_bytes(chain)
    (folder / "key.pem").write_bytes(key)
    return Credentials(ProvenanceSettings(identity_dir=folder, cert=folder / "chain.pem", key=folder / "key.pem"))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bench_image(creds: Credentials, folder: Path, runs: int) -> float:
    """Per run: save the PNG unsigned, then sign it in place; ratio = (save + sign) / save, median of runs
    (paired, so the load of a shared machine shifts both parts of a run alike)."""
    image, facts = picture(), facts_from_prompt(PROMPT, workflow="txt2img.json")
    creds.signer()  # the identity is loaded once per process, not per output
    saves, signs, ratios = [], [], []
    for index in range(runs):
        path = folder / f"out_{index}.png"
        saves.append(timed(lambda: save_png(image, path)))
        signs.append(timed(lambda: creds.stamp_file(path, facts)))
        ratios.append((saves[-1] + signs[-1]) / saves[-1])
    ratio = statistics.median(ratios)
    print(
        f"PNG 1024x1024: unsigned write {statistics.median(saves) * 1000:.1f} ms, "
        f"signing {statistics.median(signs) * 1000:.1f} ms "
        f"-> signed / unsigned {ratio:.3f} (median of {runs} paired runs; target <= {IMAGE_TARGET})"
    )
    return ratio


def encode_clip(path: Path, seconds: float) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=1200,
    )


def bench_video(creds: Credentials, folder: Path, runs: int, seconds: float) -> float:
    """Per run: encode the MP4 unsigned, then sign it in place; also a plain copy of the finished file."""
    facts = generated("motion")
    encodes, signs, copies, ratios = [], [], [], []
    for index in range(runs):
        path = folder / f"clip_{index}.mp4"
        encodes.append(timed(lambda: encode_clip(path, seconds)))
        copies.append(timed(lambda: shutil.copyfile(path, folder / "copy.mp4")))
        signs.append(timed(lambda: creds.stamp_file(path, facts)))
        ratios.append((encodes[-1] + signs[-1]) / encodes[-1])
    ratio = statistics.median(ratios)
    size_mb = (folder / "copy.mp4").stat().st_size / 1e6
    print(
        f"MP4 {seconds:g} s 1080p ({size_mb:.1f} MB): unsigned encode {statistics.median(encodes):.2f} s, signing "
        f"{statistics.median(signs) * 1000:.1f} ms -> signed / unsigned {ratio:.4f}; signing alone is "
        f"{statistics.median(signs) / statistics.median(copies):.1f}x a plain copy of the file"
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="image runs (video runs: max(1, runs // 3))")
    parser.add_argument("--seconds", type=float, default=10.0, help="video length (default 10)")
    args = parser.parse_args(argv or [])
    with tempfile.TemporaryDirectory(prefix="bench-provenance-") as tmp:
        folder = Path(tmp)
        creds = credentials(folder)
        ratio = bench_image(creds, folder, args.runs)
        if shutil.which("ffmpeg"):
            bench_video(creds, folder, max(1, args.runs // 3), args.seconds)
        else:
            print("MP4: skipped, ffmpeg not found")
    ok = ratio <= IMAGE_TARGET
    print(f"image signing overhead {'meets' if ok else 'MISSES'} the target ({ratio:.3f} <= {IMAGE_TARGET})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
