"""The quality gate's figures on a set: photographs and flat cel-shaded drawings, each clean, with
Gaussian noise (sigma 25, 50), blurred (Gaussian 3 and 6 px) and replaced by pure noise, plus noise
of other grains. Prints the Markdown table that docs/book-build.md quotes.

Run: `.venv/bin/python scripts/quality_gate_figures.py` (needs scikit-image, requirements-dev.txt).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.quality import quality_score  # noqa: E402

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field")


def photos():
    from skimage import data

    for name in PHOTOS:
        array = getattr(data, name)()
        array = np.stack([array] * 3, axis=-1) if array.ndim == 2 else array[..., :3]
        yield name, Image.fromarray(array).convert("RGB").resize((512, int(512 * array.shape[0] / array.shape[1])))


def cels(count: int = 6):
    """Flat cel-shaded stand-ins: solid fills with black ink outlines and a face."""
    rng = np.random.default_rng(7)
    for k in range(count):
        image = Image.new("RGB", (512, 384), tuple(int(v) for v in rng.integers(150, 255, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(8):
            x, y = (int(v) for v in rng.integers(0, 450, 2))
            w, h = (int(v) for v in rng.integers(40, 200, 2))
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape((x, y, x + w, y + h), fill=tuple(int(v) for v in rng.integers(0, 255, 3)), outline=(0, 0, 0), width=4)
        draw.ellipse((200, 100, 300, 220), fill=(250, 220, 190), outline=(0, 0, 0), width=4)
        draw.ellipse((225, 140, 240, 155), fill=(0, 0, 0))
        draw.ellipse((260, 140, 275, 155), fill=(0, 0, 0))
        draw.arc((230, 160, 270, 200), 20, 160, fill=(0, 0, 0), width=3)
        yield f"cel{k}", image


def variants(image: Image.Image, rng: np.random.Generator):
    pixels = np.asarray(image).astype(np.float32)
    yield "clean", image
    for sigma in (25, 50):
        yield (
            f"noise{sigma}",
            Image.fromarray(np.clip(pixels + rng.normal(0, sigma, pixels.shape), 0, 255).astype(np.uint8)),
        )
    for radius in (3, 6):
        yield f"blur{radius}", image.filter(ImageFilter.GaussianBlur(radius))
    yield "pure-noise", Image.fromarray(rng.integers(0, 256, pixels.shape, dtype=np.uint8))


def extra_noise(rng: np.random.Generator):
    """Noise of other grains: what a broken sampler may return."""
    pixels = np.clip(rng.normal(128, 60, (384, 512, 3)), 0, 255).astype(np.uint8)
    yield "noise-color", Image.fromarray(pixels)
    yield "noise-smooth2", Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(1.5))
    blocks = np.clip(rng.normal(128, 60, (48, 64, 3)), 0, 255).astype(np.uint8)
    yield "noise-blocky", Image.fromarray(blocks).resize((512, 384), Image.Resampling.NEAREST)
    yield "noise-lowamp", Image.fromarray(np.clip(rng.normal(120, 15, (384, 512, 3)), 0, 255).astype(np.uint8))


def speckle(rng: np.random.Generator):
    """What the test SD1.5 model with random weights returns at 64 px: dark, with bright specks."""
    for k in range(3):
        pixels = np.zeros((64, 64), np.float32) + rng.uniform(0, 25, (64, 64))
        spots = rng.random((64, 64)) < 0.05
        pixels[spots] = rng.uniform(150, 255, int(spots.sum()))
        yield f"speckle{k}", Image.fromarray(pixels.astype(np.uint8)).convert("RGB")


def dataset():
    rng = np.random.default_rng(1)
    for kind, source in (("photo", photos()), ("cel", cels())):
        for name, image in source:
            for variant, out in variants(image, rng):
                yield kind, name, variant, out


def main() -> int:
    rows = defaultdict(list)
    rng = np.random.default_rng(5)
    items = list(dataset()) + [("noise", name, name, image) for name, image in extra_noise(rng)]
    items += [("noise", name, "speckle-64px", image) for name, image in speckle(rng)]
    items += [
        (kind, name, "clean-64px", image.resize((64, 64 * image.height // image.width), Image.Resampling.LANCZOS))
        for kind, name, variant, image in dataset()
        if variant == "clean"
    ]
    started = time.perf_counter()
    for kind, _name, variant, image in items:
        rows[(kind, variant)].append(quality_score(image))
    print(f"{len(items)} images, {1000 * (time.perf_counter() - started) / len(items):.0f} ms each")
    print("| art | variant | n | normalised | noise sigma | grain | structure | edges |")
    print("|---|---|---|---|---|---|---|---|")
    for (kind, variant), scores in sorted(rows.items()):

        def span(attr: str) -> str:
            values = [getattr(s, attr) for s in scores]
            return f"{min(values):.2f}-{max(values):.2f}"

        print(
            f"| {kind} | {variant} | {len(scores)} | {span('normalised')} | {span('noise')} | {span('grain')} "
            f"| {span('structure')} | {span('edges')} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
