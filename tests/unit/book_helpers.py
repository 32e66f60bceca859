"""Test doubles for the book builder's unit tests (and the live gate test). Labelled as such: nothing here is a
face model or a generator.

- `StatsEmbedder`: a TEST embedder implementing app.quality.FaceEmbedder over image statistics: the
  "identity" of a picture is its mean colour (centred on grey), so a red-tinted picture matches a red
  reference and not a blue one. A near-grey picture has "no face". `embed_faces` treats the left and
  right halves as two faces (for multi-character assignment tests).
- `SyntheticBackend`: a TEST PanelBackend that renders a real photo (scikit-image's astronaut) tinted
  with a colour chosen by the seed (seed % 3: red, green, blue) and shifted by it, optionally blurred; `restore` undoes
  its own blur. It records every request so tests can check seeds, sizes and prompts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from app.book.backend import GenerationRequest, GenerationResult

PALETTE = ((220, 30, 30), (30, 200, 30), (30, 30, 220))


@dataclass
class StatsEmbedder:
    grey_tolerance: float = 12.0

    def _embed(self, rgb: np.ndarray) -> np.ndarray | None:
        mean = rgb.reshape(-1, 3).astype(np.float64).mean(axis=0) - 128.0
        spread = np.ptp(rgb.reshape(-1, 3).mean(axis=0))
        return None if spread < self.grey_tolerance else mean

    def embed_largest_face(self, rgb: np.ndarray) -> np.ndarray | None:
        return self._embed(rgb)


@dataclass
class TwoFaceStatsEmbedder(StatsEmbedder):
    def embed_faces(self, rgb: np.ndarray) -> list[np.ndarray]:
        half = rgb.shape[1] // 2
        found = [self._embed(rgb[:, :half]), self._embed(rgb[:, half:])]
        return [f for f in found if f is not None]


def photo(size: tuple[int, int]) -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut()).resize(size, Image.Resampling.BICUBIC)


def tinted(size: tuple[int, int], colour: tuple[int, int, int], amount: float = 0.55) -> Image.Image:
    return Image.blend(photo(size), Image.new("RGB", size, colour), amount)


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> Image.Image:
    return Image.new("RGB", size, colour)


@dataclass
class SyntheticBackend:
    blur: bool = False
    capability_reasons: dict[str, str] = field(
        default_factory=lambda: {"ipadapter": "test backend", "lora": "", "restore": ""}
    )
    requests: list[GenerationRequest] = field(default_factory=list)
    restored: int = 0
    _sharp: dict[bytes, Image.Image] = field(default_factory=dict)

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.requests.append(request)
        colour = PALETTE[request.seed % 3]
        image = tinted((request.width, request.height), colour)
        image = Image.fromarray(np.roll(np.asarray(image), 1 + request.seed % 29, axis=1))  # every seed its own picture
        if request.init_image is not None:
            image = Image.blend(image, request.init_image.resize(image.size), 0.3)
        if self.blur:
            blurred = image.filter(ImageFilter.GaussianBlur(3))
            self._sharp[blurred.tobytes()] = image
            image = blurred
        return GenerationResult(
            image=image,
            workflow=request.workflow,
            parameters={"seed": request.seed},
            api_prompt={"1": {"class_type": "TestSampler", "inputs": {"seed": request.seed}}},
            prompt_id=f"test-{len(self.requests)}",
            comfy_execution_s=0.01,
            wall_s=0.012,
        )

    def restore(self, image: Image.Image) -> GenerationResult:
        self.restored += 1
        sharp = self._sharp.get(image.tobytes(), image)
        return GenerationResult(
            image=sharp,
            workflow="upscale_face_restore",
            parameters={},
            prompt_id="restore",
            comfy_execution_s=0.01,
            wall_s=0.011,
        )

    def character_sheet(
        self,
        positive,
        expressions,
        negative,
        seed,
        size,
        pose,
        *,
        checkpoint=None,
        steps=None,
        controlnet=None,
        family=None,
    ):
        sheet = tinted(size, PALETTE[seed % 3])
        return {
            name: GenerationResult(image=sheet, workflow="character_sheet", parameters={"seed": seed})
            for name in ("turnaround", "expressions")
        }

    def capabilities(self) -> dict[str, str]:
        return dict(self.capability_reasons)


@dataclass
class RecolourRepairer:
    """A TEST FaceRepairer: paints the reference's mean colour over the picture (stands in for a face swap)."""

    calls: list[str] = field(default_factory=list)

    def repair(self, image: Image.Image, references: list[Path], character: str) -> Image.Image:
        self.calls.append(character)
        colour = tuple(int(v) for v in np.asarray(Image.open(references[0]).convert("RGB")).reshape(-1, 3).mean(axis=0))
        return Image.blend(image, Image.new("RGB", image.size, colour), 0.6)
