"""Colour grading for whole books: presets, standard .cube LUTs, and a consistency figure.

API:
- `list_presets() -> list[str]`; `preset_description(name) -> str`; `preset_lut(name) -> Lut`.
  Presets are recipes in `luts/presets.yaml` (noir, sepia, vintage-print, cool-night, warm-sunset,
  manga-greyscale) baked into a 33-point 3D LUT; any `luts/*.cube` file is a preset too.
- `parse_cube(text, source) -> Lut`, `load_cube(path) -> Lut`, `format_cube(lut) -> str`: the
  Adobe/Resolve .cube format (LUT_3D_SIZE or LUT_1D_SIZE, TITLE, DOMAIN_MIN/MAX of 0..1). Errors name
  the file and line.
- `Lut.apply(image, strength=1.0) -> Image`: trilinear interpolation (Pillow's Color3DLUT filter);
  alpha is kept; strength blends with the original.
- `resolve_lut(grade) -> Lut` (a preset name, a .cube path or a Lut) and
  `grade_book(images, grade, strength=1.0) -> list[Image]`: one LUT applied to every page.
- `measure_grade_consistency(images) -> float`: 1 - mean pairwise Hellinger distance between the
  pages' CIE Lab colour histograms (8 x 8 x 8 bins). 1.0 = the same colour distribution on every page,
  0.0 = no overlap at all. A graded book scores higher than the same pages ungraded.
  `page_consistency(images) -> list[float]` gives the same figure per page (its mean distance to the
  others), so the page whose colours stand out can be named.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import yaml
from PIL import Image, ImageColor, ImageFilter

from ..errors import InkframeError

LUTS_DIR = Path(__file__).resolve().parent / "luts"
PRESETS_FILE = LUTS_DIR / "presets.yaml"
PRESET_LUT_SIZE = 33
MAX_3D_SIZE = 65  # the largest 3D table Pillow's Color3DLUT filter takes
GradeStep = Literal[
    "exposure", "greyscale", "saturation", "temperature", "contrast", "gamma", "lift", "gain", "split_tone", "tint"
]
GRADE_STEPS: tuple[str, ...] = get_args(GradeStep)
LutKind = Literal["3d", "1d"]
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float64)
_NUMBER_ROW = re.compile(r"^[-+0-9.eE]+(\s+[-+0-9.eE]+){2}$")


class GradeError(InkframeError):
    """A grading preset, LUT file or book that cannot be graded."""


@dataclass(frozen=True, eq=False)
class Lut:
    """A colour lookup table. `table` is (size**3, 3) for 3D (red index fastest, as in .cube files)
    or (size, 3) for 1D, output values 0..1."""

    kind: LutKind
    size: int
    table: np.ndarray
    title: str = ""

    def apply(self, image: Image.Image, strength: float = 1.0) -> Image.Image:
        if not 0.0 <= strength <= 1.0:
            raise GradeError(f"Grade strength must be from 0 to 1, got {strength!r}.")
        alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
        rgb = image.convert("RGB")
        if self.kind == "3d":
            graded = rgb.filter(ImageFilter.Color3DLUT(self.size, self.table.ravel().tolist(), channels=3))
        else:
            grid = np.linspace(0.0, 1.0, self.size)
            levels = np.arange(256) / 255.0
            curves = [
                np.clip(np.interp(levels, grid, self.table[:, c]) * 255 + 0.5, 0, 255).astype(int) for c in range(3)
            ]
            graded = rgb.point(np.concatenate(curves).tolist())
        if strength < 1.0:
            graded = Image.blend(rgb, graded, strength)
        if alpha is not None:
            graded.putalpha(alpha)
        return graded


def parse_cube(text: str, source: str = "<text>") -> Lut:
    """Parse .cube text; GradeError names `source` and the line for anything malformed."""
    title, kind, size, rows = "", None, 0, []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword = line.split(None, 1)[0].upper()
        if keyword == "TITLE":
            title = line[5:].strip().strip('"')
        elif keyword in ("LUT_3D_SIZE", "LUT_1D_SIZE"):
            if kind is not None:
                raise GradeError(
                    f"LUT file {source} line {number}: a second size line; a .cube file holds one 1D or one 3D table."
                )
            kind = "3d" if keyword == "LUT_3D_SIZE" else "1d"
            size = _parse_size(line, source, number, kind)
        elif keyword in ("DOMAIN_MIN", "DOMAIN_MAX", "LUT_3D_INPUT_RANGE", "LUT_1D_INPUT_RANGE"):
            values = [float(v) for v in line.split()[1:]] if _all_numbers(line.split()[1:]) else []
            expected = 0.0 if keyword == "DOMAIN_MIN" else 1.0
            if keyword.endswith("INPUT_RANGE"):
                ok = values == [0.0, 1.0]
            else:
                ok = len(values) == 3 and all(v == expected for v in values)
            if not ok:
                raise GradeError(
                    f"LUT file {source} line {number}: only the input domain 0..1 is supported, got {line!r}."
                )
        elif _NUMBER_ROW.match(line):
            try:
                rows.append([float(v) for v in line.split()])
            except ValueError:
                raise GradeError(f"LUT file {source} line {number}: expected three numbers, got {line!r}.") from None
        else:
            raise GradeError(f"LUT file {source} line {number}: expected three numbers or a keyword, got {line!r}.")
    if kind is None:
        raise GradeError(f"LUT file {source} has no LUT_3D_SIZE or LUT_1D_SIZE line.")
    needed = size**3 if kind == "3d" else size
    if len(rows) != needed:
        raise GradeError(f"LUT file {source} has {len(rows)} table rows but its size {size} needs {needed}.")
    table = np.asarray(rows, dtype=np.float64)
    if not np.all(np.isfinite(table)):
        raise GradeError(f"LUT file {source} has a value that is not a finite number.")
    return Lut(kind, size, np.clip(table, 0.0, 1.0), title)


def load_cube(path: str | Path) -> Lut:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GradeError(f"LUT file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GradeError(f"LUT file {path} cannot be read as text ({exc.__class__.__name__}).") from None
    return parse_cube(text, str(path))


def format_cube(lut: Lut) -> str:
    """The LUT as .cube text (readable by Resolve, Photoshop, ffmpeg's lut3d and parse_cube)."""
    head = [f'TITLE "{lut.title}"'] if lut.title else []
    head.append(f"LUT_{lut.kind.upper()}_SIZE {lut.size}")
    return "\n".join(head + [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in lut.table]) + "\n"


def list_presets() -> list[str]:
    return sorted(set(_presets()) | {p.stem for p in LUTS_DIR.glob("*.cube")})


def preset_description(name: str) -> str:
    _check_preset(name)
    return str(_presets().get(name, {}).get("description", f"LUT file {name}.cube"))


@functools.lru_cache(maxsize=16)
def preset_lut(name: str, size: int = PRESET_LUT_SIZE) -> Lut:
    """The preset baked into a 3D LUT (or its .cube file read)."""
    _check_preset(name)
    if name not in _presets():
        return load_cube(LUTS_DIR / f"{name}.cube")
    axis = np.linspace(0.0, 1.0, size)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")  # red index fastest once flattened
    grid = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1)
    for step in _presets()[name]["steps"]:
        grid = _apply_step(name, step, grid)
    return Lut("3d", size, np.clip(grid, 0.0, 1.0), name)


def resolve_lut(grade: str | Path | Lut) -> Lut:
    """A preset name, a path to a .cube file, or a Lut -> Lut."""
    if isinstance(grade, Lut):
        return grade
    if isinstance(grade, Path) or str(grade).lower().endswith(".cube"):
        return load_cube(grade)
    return preset_lut(str(grade))


def grade_book(images: Iterable[Image.Image], grade: str | Path | Lut, strength: float = 1.0) -> list[Image.Image]:
    """Every page through the same LUT, so the book shares one look."""
    lut = resolve_lut(grade)
    return [lut.apply(image, strength) for image in images]


def measure_grade_consistency(images: Sequence[Image.Image]) -> float:
    """1 - mean pairwise Hellinger distance of the images' Lab histograms (see the module docstring)."""
    distances = _distance_matrix(images)
    if len(distances) == 1:
        return 1.0
    upper = distances[np.triu_indices(len(distances), k=1)]
    return 1.0 - float(np.mean(upper))


def page_consistency(images: Sequence[Image.Image]) -> list[float]:
    """Per image: 1 - its mean Hellinger distance to every other image; the lowest is the page whose
    colours stand out from the rest of the book."""
    distances = _distance_matrix(images)
    if len(distances) == 1:
        return [1.0]
    return [1.0 - float(row.sum() / (len(row) - 1)) for row in distances]


def _distance_matrix(images: Sequence[Image.Image]) -> np.ndarray:
    if not images:
        raise GradeError("Grade consistency needs at least one image.")
    hists = [_lab_histogram(image) for image in images]
    distances = np.zeros((len(hists), len(hists)))
    for i, j in itertools.combinations(range(len(hists)), 2):
        distances[i, j] = distances[j, i] = math.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(hists[i] * hists[j])))))
    return distances


def _lab_histogram(image: Image.Image) -> np.ndarray:
    small = image.convert("RGB")
    small.thumbnail((256, 256))
    lab = _srgb_to_lab(np.asarray(small, dtype=np.float64).reshape(-1, 3) / 255.0)
    hist, _ = np.histogramdd(lab, bins=(8, 8, 8), range=((0, 100), (-80, 80), (-80, 80)))
    hist = hist.ravel()
    return hist / hist.sum()


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)
    return np.clip(lab, [0, -79.999, -79.999], [99.999, 79.999, 79.999])


@functools.lru_cache(maxsize=1)
def _presets() -> dict[str, Any]:
    with PRESETS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _check_preset(name: str) -> None:
    if name not in list_presets():
        raise GradeError(
            f"Unknown grading preset {name!r}; use one of {', '.join(list_presets())} or a path to a .cube file."
        )


def _apply_step(preset: str, step: dict[str, Any], rgb: np.ndarray) -> np.ndarray:
    ((key, value),) = step.items()
    if key not in GRADE_STEPS:
        raise GradeError(f"Grading preset {preset!r} has an unknown step {key!r}; steps are {', '.join(GRADE_STEPS)}.")
    luma = (rgb @ _LUMA)[:, None]
    if key == "exposure":
        linear = np.clip(rgb, 0, 1) ** 2.2 * 2.0 ** float(value)
        return np.clip(linear, 0, 1) ** (1 / 2.2)
    if key == "greyscale":
        return np.repeat(luma, 3, axis=1) if value else rgb
    if key == "saturation":
        return luma + (rgb - luma) * float(value)
    if key == "temperature":
        t = float(value)
        return rgb * np.array([1 + 0.22 * t, 1 + 0.03 * t, 1 - 0.28 * t])
    if key == "contrast":
        x = np.clip(rgb, 1e-6, 1 - 1e-6) ** float(value)
        return x / (x + np.clip(1 - rgb, 1e-6, 1) ** float(value))
    if key == "gamma":
        return np.clip(rgb, 0, 1) ** (1.0 / float(value))
    if key == "lift":
        return float(value) + rgb * (1 - float(value))
    if key == "gain":
        return rgb * float(value)
    if key == "split_tone":
        shadows, highlights = _rgb(value["shadows"]), _rgb(value["highlights"])
        weight_s, weight_h = (1 - luma) ** 2, luma**2
        shift = weight_s * (shadows - shadows @ _LUMA) + weight_h * (highlights - highlights @ _LUMA)
        return rgb + float(value.get("amount", 0.5)) * shift
    colour = _rgb(value["color"])  # tint: black -> colour -> white duotone, blended by amount
    toned = np.where(luma < 0.5, 2 * luma * colour, colour + (1 - colour) * (2 * luma - 1))
    amount = float(value.get("amount", 1.0))
    return rgb * (1 - amount) + toned * amount


def _rgb(value: str) -> np.ndarray:
    return np.array(ImageColor.getrgb(value)[:3], dtype=np.float64) / 255.0


def _parse_size(line: str, source: str, number: int, kind: str) -> int:
    parts = line.split()
    limit = MAX_3D_SIZE if kind == "3d" else 65536
    if len(parts) != 2 or not parts[1].isdigit() or not 2 <= int(parts[1]) <= limit:
        raise GradeError(
            f"LUT file {source} line {number}: the size must be a whole number from 2 to {limit}, got {line!r}."
        )
    return int(parts[1])


def _all_numbers(parts: list[str]) -> bool:
    try:
        [float(p) for p in parts]
    except ValueError:
        return False
    return bool(parts)
