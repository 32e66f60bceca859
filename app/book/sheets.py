"""Character sheets: a turnaround (front, side, back) and an expression sheet, from text or from photos,
and the reference images cut from them.

- From text: the `character_sheet` workflow (OpenPose ControlNet posed by a turnaround skeleton sheet;
  `turnaround_pose()` draws one in OpenPose's colours when the user has none).
- From photos: each photo redrawn in the book's style (`img2img_restyle`), the redrawn photos are the
  references, laid side by side as the sheet.
- Per model family: the style's `family:` (or `family=`) picks the family's sheet and restyle workflows
  (`character_sheet_sdxl` posed by an SDXL OpenPose ControlNet when the backend has one, `character_sheet_flux` /
  `_qwen` from the prompt, `img2img_restyle_<family>`; app/workflows/family_choice.py); SD1.5 and backends
  whose families are unknown keep the SD1.5 workflows.
- `crop_cells(sheet, labels)`: equal cells across the sheet, each trimmed to where it differs from the
  sheet's background, so every pose or expression becomes its own reference image.

`make_character_sheet(...)` saves the sheets and the crops into the character's folder (sheets/ and
references/) and lists the crops in character.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..provenance import composed, generated
from ..provenance.stamping import stamp_output
from .backend import GenerationRequest, PanelBackend
from .errors import BookError
from .library import Character, save_entry
from .prompts import join_fragments
from .styles import StylePreset

TURNAROUND_VIEWS = ("front", "side", "back")
EXPRESSIONS = ("happy", "angry", "surprised", "sad")
# OpenPose body-25 subset (COCO 18): limb pairs and their colours as the OpenPose renderer draws them.
_LIMBS = [
    ((1, 2), (255, 0, 0)),
    ((1, 5), (255, 85, 0)),
    ((2, 3), (255, 170, 0)),
    ((3, 4), (255, 255, 0)),
    ((5, 6), (170, 255, 0)),
    ((6, 7), (85, 255, 0)),
    ((1, 8), (0, 255, 0)),
    ((8, 9), (0, 255, 85)),
    ((9, 10), (0, 255, 170)),
    ((1, 11), (0, 255, 255)),
    ((11, 12), (0, 170, 255)),
    ((12, 13), (0, 85, 255)),
    ((1, 0), (0, 0, 255)),
]
# Keypoints of a standing figure in a unit box (x 0..1 from the left, y 0..1 from the top), per view.
_FRONT = {
    0: (0.5, 0.1),
    1: (0.5, 0.2),
    2: (0.38, 0.21),
    3: (0.34, 0.36),
    4: (0.32, 0.5),
    5: (0.62, 0.21),
    6: (0.66, 0.36),
    7: (0.68, 0.5),
    8: (0.43, 0.52),
    9: (0.42, 0.72),
    10: (0.42, 0.92),
    11: (0.57, 0.52),
    12: (0.58, 0.72),
    13: (0.58, 0.92),
}
_SIDE = {
    0: (0.55, 0.1),
    1: (0.5, 0.2),
    2: (0.49, 0.21),
    3: (0.5, 0.36),
    4: (0.53, 0.5),
    5: (0.51, 0.21),
    6: (0.52, 0.36),
    7: (0.55, 0.5),
    8: (0.49, 0.52),
    9: (0.5, 0.72),
    10: (0.49, 0.92),
    11: (0.51, 0.52),
    12: (0.53, 0.72),
    13: (0.52, 0.92),
}
_BACK = {k: (1.0 - x, y) for k, (x, y) in _FRONT.items() if k != 0}  # no nose keypoint from behind


@dataclass
class CharacterSheet:
    character: Character
    sheets: dict[str, Path]
    references: list[Path]
    seed: int | None = None
    notes: list[str] = field(default_factory=list)


def turnaround_pose(size: tuple[int, int] = (1024, 512)) -> Image.Image:
    """Three OpenPose skeletons (front, side, back) on black, one per third of the sheet."""
    width, height = size
    image = Image.new("RGB", size, (0, 0, 0))
    draw = ImageDraw.Draw(image)
    cell = width / 3
    stroke = max(2, round(height / 90))
    for index, points in enumerate((_FRONT, _SIDE, _BACK)):
        placed = {
            k: (index * cell + (0.15 + 0.7 * x) * cell, (0.04 + 0.92 * y) * height) for k, (x, y) in points.items()
        }
        for (a, b), colour in _LIMBS:
            if a in placed and b in placed:
                draw.line([placed[a], placed[b]], fill=colour, width=stroke)
        for x, y in placed.values():
            draw.ellipse((x - stroke, y - stroke, x + stroke, y + stroke), fill=(255, 255, 255))
    return image


def crop_cells(sheet: Image.Image, count: int, *, tolerance: int = 24, margin: float = 0.04) -> list[Image.Image]:
    """`count` equal columns of the sheet, each trimmed to the area that differs from the background
    (the median colour of the sheet's border); a cell with nothing in it is kept whole."""
    if count < 1:
        raise BookError("a sheet needs at least one cell to crop.")
    rgb = np.asarray(sheet.convert("RGB")).astype(np.int16)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    background = np.median(border, axis=0)
    ink = np.abs(rgb - background).max(axis=2) > tolerance
    width = sheet.width
    cells = []
    for index in range(count):
        left, right = round(index * width / count), round((index + 1) * width / count)
        mask = ink[:, left:right]
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if rows.size == 0 or cols.size == 0:
            cells.append(sheet.crop((left, 0, right, sheet.height)))
            continue
        pad_x, pad_y = round(margin * (right - left)), round(margin * sheet.height)
        box = (
            max(left, left + cols[0] - pad_x),
            max(0, rows[0] - pad_y),
            min(right, left + cols[-1] + 1 + pad_x),
            min(sheet.height, rows[-1] + 1 + pad_y),
        )
        cells.append(sheet.crop(box))
    return cells


def sheet_prompts(character: Character, style: StylePreset) -> tuple[str, str, str]:
    """(turnaround prompt, expressions prompt, negative) for a character in a style."""
    who = character.description or character.name
    turnaround = join_fragments(
        style.prompt,
        f"character turnaround sheet of {who}",
        "front view, side view, back view",
        "full body, plain white background",
    )
    expressions = join_fragments(
        style.prompt, f"expression sheet of {who}", ", ".join(EXPRESSIONS), "head and shoulders, plain white background"
    )
    return turnaround, expressions, join_fragments(style.negative, character.negative)


def make_character_sheet(
    backend: PanelBackend,
    character: Character,
    library_dir: Path,
    style: StylePreset,
    *,
    photos: Sequence[Path] = (),
    seed: int | None = None,
    size: tuple[int, int] = (1024, 512),
    pose: Image.Image | None = None,
    checkpoint: str | None = None,
    steps: int | None = None,
    controlnet: str | None = None,
    family: str | None = None,
) -> CharacterSheet:
    """Generate the sheets (from text, or from `photos`), crop the references and save them in the library.
    `family` (else the style's) names the model family they are made with."""
    family = family or style.family
    if character.folder is None:
        character = save_entry(character, library_dir)  # type: ignore[assignment]
    folder = character.folder
    assert folder is not None
    seed = seed if seed is not None else (character.seed if character.seed is not None else 0)
    sheets_dir, refs_dir = folder / "sheets", folder / "references"
    sheets_dir.mkdir(parents=True, exist_ok=True)
    refs_dir.mkdir(parents=True, exist_ok=True)
    turnaround, expressions, negative = sheet_prompts(character, style)
    crops: list[tuple[str, Image.Image]] = []
    sheets: dict[str, Path] = {}
    notes: list[str] = []
    if photos:
        redrawn = []
        for index, photo in enumerate(photos):
            with Image.open(photo) as source:
                image = source.convert("RGB")
            side = (max(64, image.width // 64 * 64), max(64, image.height // 64 * 64))
            result = backend.generate(
                GenerationRequest(
                    workflow="img2img_restyle",
                    positive=join_fragments(style.prompt, character.description or character.name),
                    negative=negative,
                    seed=seed + index,
                    width=min(side[0], 768),
                    height=min(side[1], 768),
                    steps=steps,
                    checkpoint=checkpoint,
                    init_image=image,
                    strength=0.45,
                    family=family,
                )
            )
            notes += [n for n in result.notes if n not in notes]
            redrawn.append(result.image)
            crops.append((f"photo{index + 1}", result.image))
        sheet = Image.new("RGB", (sum(i.width for i in redrawn), max(i.height for i in redrawn)), (255, 255, 255))
        x = 0
        for image in redrawn:
            sheet.paste(image, (x, 0))
            x += image.width
        sheets["photos"] = sheets_dir / "photos.png"
        sheet.save(sheets["photos"])
        stamp_output(sheets["photos"], composed("character sheet from photos", list(photos)))  # C2PA
    else:
        results = backend.character_sheet(
            turnaround,
            expressions,
            negative,
            seed,
            size,
            pose or turnaround_pose(size),
            checkpoint=checkpoint,
            steps=steps,
            controlnet=controlnet,
            family=family,
        )
        notes += list(next(iter(results.values())).notes) if results else []
        for name, labels in (("turnaround", TURNAROUND_VIEWS), ("expressions", EXPRESSIONS)):
            if name not in results:
                raise BookError(f"the character_sheet workflow returned no {name} image; check its output nodes.")
            sheets[name] = sheets_dir / f"{name}.png"
            results[name].image.save(sheets[name])
            stamp_output(sheets[name], generated("character sheet", seed=seed))  # C2PA Content Credentials
            crops += [
                (f"{name}_{label}", cell) for label, cell in zip(labels, crop_cells(results[name].image, len(labels)))
            ]
    names = []
    for label, image in crops:
        path = refs_dir / f"sheet_{label}.png"
        image.save(path)
        stamp_output(path, composed("reference crop", list(sheets.values())))  # C2PA Content Credentials
        names.append(path.name)
    existing = character.references or [p.name for p in character.reference_paths()]
    keep = [n for n in existing if not Path(n).name.startswith("sheet_")]
    updated = save_entry(character.model_copy(update={"references": keep + names}), library_dir)
    return CharacterSheet(updated, sheets, [refs_dir / n for n in names], seed, notes)  # type: ignore[arg-type]
