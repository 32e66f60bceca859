"""Test helpers for Content Credentials: a certificate chain made at test time, small media files."""

from __future__ import annotations

import json
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from app.provenance import Credentials, ProvenanceSettings, make_chain
from app.provenance.formats import png_chunks, png_from_chunks

COMFY_PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 1234, "steps": 4}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15/tiny.safetensors"}},
}
COMFY_WORKFLOW = {"nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4}


def signing_credentials(folder: Path, **kwargs) -> Credentials:
    """Credentials signing with a CA + signer chain written to `folder` (like a user's own certificate)."""
    chain, key, _ = make_chain("Test signer", "Test CA")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chain.pem").write_bytes(chain)
    (folder / "key.pem").write_bytes(key)
    return Credentials(
        ProvenanceSettings(identity_dir=folder / "local", cert=folder / "chain.pem", key=folder / "key.pem", **kwargs)
    )


def write_picture(path: Path, seed: int = 0, size: int = 48, comfy: bool = False) -> Path:
    rgb = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)
    image = Image.fromarray(rgb)
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}[path.suffix.lower()]
    if fmt == "PNG" and comfy:
        info = PngImagePlugin.PngInfo()
        info.add_text("prompt", json.dumps(COMFY_PROMPT))
        info.add_text("workflow", json.dumps(COMFY_WORKFLOW))
        image.save(path, pnginfo=info)
    else:
        image.save(path, fmt)
    return path


def write_video(path: Path, seconds: float = 1.0, size: str = "96x64") -> Path:
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is needed (scripts/setup.sh installs it)")
    codec = (
        ["-c:v", "libvpx-vp9", "-b:v", "200k"]
        if path.suffix == ".webm"
        else ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    )
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={size}:rate=10",
            "-t",
            str(seconds),
            *codec,
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def change_png_pixel(path: Path) -> None:
    """Change one pixel and re-encode the image data, keeping every other chunk (the manifest too)."""
    with Image.open(path) as image:
        rgb = np.array(image.convert("RGB"))
    rgb[0, 0] = 255 - rgb[0, 0]
    raw = b"".join(b"\x00" + row.tobytes() for row in rgb)
    chunks = png_chunks(path.read_bytes())
    first = next(i for i, c in enumerate(chunks) if c[0] == b"IDAT")
    kept = [c for c in chunks if c[0] != b"IDAT"]
    kept.insert(first, (b"IDAT", zlib.compress(raw)))
    path.write_bytes(png_from_chunks(kept))
