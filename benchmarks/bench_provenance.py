"""Content Credentials overhead: writing an output signed vs writing it unsigned, in the same run.

- Image: a 1024x1024 picture saved as PNG the way ComfyUI does (compress_level 4, prompt/workflow chunks),
  unsigned vs saved + signed in place (`Credentials.stamp_file`) vs signed as bytes before writing
  (`stamp_bytes`). Target: signed / unsigned <= 1.2.
- Video: a 10 s 1080p H.264 MP4 encoded with ffmpeg (veryfast), unsigned vs encoded + signed in place.
  The signing time is also shown against a plain copy of the finished file (the cheapest possible write).

Runs alternate; medians are compared. A throwaway certificate chain is made in a temporary folder.
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
PROMPT = {"3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 20}},
          "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}}}


def picture(size: int = 1024) -> Image.Image:
    """Photo-like content (smooth shapes plus grain), so PNG compression costs what it does on real output."""
    rng = np.random.default_rng(7)
    base = Image.fromarray(rng.integers(0, 255, (size // 16, size // 16, 3), dtype=np.uint8)).resize((size, size), Image.BICUBIC)
    grain = rng.normal(0, 6, (size, size, 3))
    return Image.fromarray(np.clip(np.asarray(base.filter(ImageFilter.GaussianBlur(4)), dtype=np.float64) + grain, 0, 255).astype(np.uint8))


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
    image, facts = picture(), facts_from_prompt(PROMPT, workflow="txt2img.json")
    creds.signer()  # the identity is loaded once per process, not per output
    plain, in_place, as_bytes = [], [], []
    for index in range(runs):
        path = folder / f"plain_{index}.png"
        plain.append(timed(lambda: save_png(image, path)))
        signed = folder / f"signed_{index}.png"
        in_place.append(timed(lambda: (save_png(image, signed), creds.stamp_file(signed, facts))))
        direct = folder / f"bytes_{index}.png"

        def write_signed_bytes() -> None:
            save_png(image, direct)  # encode once like the others, then sign the bytes and write them
            direct.write_bytes(creds.stamp_bytes(direct.read_bytes(), direct.name, facts))

        as_bytes.append(timed(write_signed_bytes))
    base = statistics.median(plain)
    ratio = statistics.median(in_place) / base
    print(f"PNG 1024x1024: unsigned {base * 1000:.1f} ms, signed in place {statistics.median(in_place) * 1000:.1f} ms "
          f"(ratio {ratio:.3f}), signed bytes {statistics.median(as_bytes) * 1000:.1f} ms "
          f"(ratio {statistics.median(as_bytes) / base:.3f}); target <= {IMAGE_TARGET}")
    return ratio


def encode_clip(path: Path, seconds: float) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)], check=True, timeout=1200)


def bench_video(creds: Credentials, folder: Path, runs: int, seconds: float) -> float:
    facts = generated("motion")
    plain, signed, sign_only, copy = [], [], [], []
    for index in range(runs):
        path = folder / f"plain_{index}.mp4"
        plain.append(timed(lambda: encode_clip(path, seconds)))
        copied = folder / f"copy_{index}.mp4"
        copy.append(timed(lambda: shutil.copyfile(path, copied)))
        sign_only.append(timed(lambda: creds.stamp_file(copied, facts)))
        out = folder / f"signed_{index}.mp4"
        signed.append(timed(lambda: (encode_clip(out, seconds), creds.stamp_file(out, facts))))
    base, with_sign = statistics.median(plain), statistics.median(signed)
    size_mb = (folder / "plain_0.mp4").stat().st_size / 1e6
    print(f"MP4 {seconds:g} s 1080p ({size_mb:.1f} MB): unsigned encode {base:.2f} s, encode + sign {with_sign:.2f} s "
          f"(ratio {with_sign / base:.3f}); signing alone {statistics.median(sign_only) * 1000:.1f} ms = "
          f"{statistics.median(sign_only) / statistics.median(copy):.2f}x a plain copy of the file")
    return with_sign / base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="image runs (video runs: max(1, runs // 3))")
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
