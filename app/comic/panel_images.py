"""Finding and loading panel art: the file naming convention, cover-crop with a focus point.

Panel images in a folder are named `p<page>_panel<panel>.<ext>` with any zero padding, e.g.
`p01_panel01.png`, `p1_panel3.jpg`, `page02_panel04.webp` (png, jpg, jpeg, webp). A panel's own
`image` field (relative to the script's folder) wins over the folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import InkframeError
from ..image_files import IMAGE_SUFFIXES
from .model import Book

_NAME_RE = re.compile(r"^(?:p|page)0*(\d+)[_-]?(?:panel|pn|p)0*(\d+)$", re.IGNORECASE)
ASPECT_WARNING_RATIO = 1.35  # warn when the image's aspect is this many times off the panel's


class PanelImageError(InkframeError):
    """A panel image that cannot be read."""


def panel_file_name(page: int, panel: int, suffix: str = ".png") -> str:
    """The canonical file name of a panel's art: `p01_panel02.png`."""
    return f"p{page:02d}_panel{panel:02d}{suffix}"


@dataclass
class PanelImages:
    """Panel art found for a book: paths by (page, panel), and the panels without art."""

    paths: dict[tuple[int, int], Path] = field(default_factory=dict)
    missing: list[tuple[int, int]] = field(default_factory=list)

    def describe_missing(self) -> str:
        names = ", ".join(f"page {p} panel {n}" for p, n in self.missing[:12])
        more = f" and {len(self.missing) - 12} more" if len(self.missing) > 12 else ""
        if not self.missing:
            return ""
        return (
            f"{len(self.missing)} panel image(s) missing ({names}{more}); placeholders were drawn. "
            f"Expected names like {panel_file_name(*self.missing[0])}."
        )


def find_panel_images(book: Book, folder: str | Path | None, *, script_dir: str | Path | None = None) -> PanelImages:
    """Match every panel of `book` to an image file (see the module docstring for names)."""
    found: dict[tuple[int, int], Path] = {}
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise PanelImageError(f"Panel folder {str(folder)!r} does not exist or is not a folder.")
        for path in sorted(folder.iterdir()):
            match = _NAME_RE.match(path.stem)
            if match and path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                found.setdefault((int(match.group(1)), int(match.group(2))), path)
    result = PanelImages()
    base = Path(script_dir) if script_dir is not None else Path.cwd()
    for page in book.pages:
        for panel in page.panels:
            key = (page.number, panel.number)
            own = (base / panel.image) if panel.image else None
            if own is not None and own.is_file():
                result.paths[key] = own
            elif key in found:
                result.paths[key] = found[key]
            else:
                result.missing.append(key)
    return result


def open_panel_image(path: str | Path) -> Image.Image:
    """The image at `path` as RGB (transparency flattened onto white); PanelImageError if unreadable."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, (0, 0), image)
                return flat
            return image.convert("RGB")
    except FileNotFoundError:
        raise PanelImageError(f"Panel image {str(path)!r} does not exist.") from None
    except Image.DecompressionBombError as exc:
        from ..image_limits import pixel_limit_message

        raise PanelImageError(pixel_limit_message(path, exc)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise PanelImageError(
            f"Panel image {str(path)!r} cannot be read as an image ({exc.__class__.__name__}); "
            "re-export it as PNG or JPEG."
        ) from None


def cover_crop(image: Image.Image, size: tuple[int, int], focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale `image` to cover `size` without distortion, cropping around `focus` (fractions)."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ValueError("the target size must be positive")
    scale = max(width / image.width, height / image.height)
    # min(): float rounding can make the crop a hair larger than the image (e.g. 640x480 -> 381x535)
    crop_w, crop_h = min(width / scale, image.width), min(height / scale, image.height)
    fx, fy = focus
    left = max(min(fx * image.width - crop_w / 2, image.width - crop_w), 0.0)
    top = max(min(fy * image.height - crop_h / 2, image.height - crop_h), 0.0)
    return image.resize(size, Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h))


def aspect_mismatch(image_size: tuple[int, int], panel_size: tuple[int, int]) -> float:
    """How many times the image's aspect is off the panel's (1.0 = the same)."""
    a = image_size[0] / max(1, image_size[1])
    b = panel_size[0] / max(1, panel_size[1])
    return max(a, b) / min(a, b)
