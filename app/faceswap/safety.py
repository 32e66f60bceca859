"""Consent, output-path and provenance rules that every face swap goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from .errors import ConsentRequired, FaceSwapError

TOOL_NAME = "Inkframe Studio"
OPERATION = "face swap"
MARK_TEXT = "AI face swap"


def require_consent(confirmed: bool) -> None:
    if not confirmed:
        raise ConsentRequired(
            "face swap needs your confirmation that everyone whose face is used has consented "
            "(tick the consent box, or pass --i-have-consent on the command line)."
        )


def check_output_path(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise FaceSwapError(f"{path} already exists; choose another --out path or pass --overwrite to replace it.")
    if path.exists() and path.is_dir():
        raise FaceSwapError(f"{path} is a folder; --out must name a file.")


@dataclass(frozen=True)
class Provenance:
    """What every output says about itself."""

    tool: str = TOOL_NAME
    operation: str = OPERATION
    date: str = ""

    @classmethod
    def now(cls) -> Provenance:
        return cls(date=datetime.now(UTC).replace(microsecond=0).isoformat())

    def as_metadata(self) -> dict[str, str]:
        """Keys for PNG tEXt chunks and for ffmpeg -metadata (MP4 keeps comment/description/title in its udta)."""
        text = f"tool={self.tool}; operation={self.operation}; date={self.date}"
        return {"tool": self.tool, "operation": self.operation, "date": self.date, "comment": text, "description": text}

    def png_texts(self) -> dict[str, str]:
        """The tEXt chunks of a PNG result, in the order `save_image` writes them."""
        meta = self.as_metadata()
        return {key: meta[key] for key in ("tool", "operation", "date", "comment")}


def save_image(rgb: np.ndarray, path: Path, provenance: Provenance) -> Path:
    """Save an RGB result as PNG (tEXt chunks) or JPEG/WebP (EXIF ImageDescription + Software)."""
    from PIL import Image, PngImagePlugin

    image = Image.fromarray(rgb)
    suffix = path.suffix.lower()
    meta = provenance.as_metadata()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".png":
        info = PngImagePlugin.PngInfo()
        for key, value in provenance.png_texts().items():
            info.add_text(key, value)
        image.save(path, pnginfo=info)
    elif suffix in (".jpg", ".jpeg", ".webp"):
        exif = Image.Exif()
        exif[0x010E] = meta["comment"]  # ImageDescription
        exif[0x0131] = provenance.tool  # Software
        image.save(path, exif=exif, quality=95)
    else:
        raise FaceSwapError(
            f"{path} has the extension {suffix or '(none)'}; image results are saved as .png, .jpg or .webp."
        )
    return path


def read_image_provenance(path: Path) -> dict[str, str]:
    from PIL import Image

    with Image.open(path) as image:
        if image.format == "PNG":
            return {k: str(v) for k, v in image.text.items()}  # type: ignore[attr-defined]  # a PNG has .text
        exif = image.getexif()
        return {"description": str(exif.get(0x010E, "")), "software": str(exif.get(0x0131, ""))}


def draw_visible_mark(rgb: np.ndarray, text: str = MARK_TEXT) -> np.ndarray:
    """A small, legible label in the bottom-right corner (in place)."""
    h, w = rgb.shape[:2]
    scale = max(0.35, min(w, h) / 900.0)
    thickness = max(1, int(round(scale * 2)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x, y = max(2, w - tw - 8), max(th + 2, h - base - 6)
    cv2.rectangle(rgb, (x - 4, y - th - 4), (min(w - 1, x + tw + 4), min(h - 1, y + base + 2)), (0, 0, 0), -1)
    cv2.putText(rgb, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return rgb
