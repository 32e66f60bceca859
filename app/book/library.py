"""The character and location libraries: a folder per entry, a YAML file and reference images.

    <library_dir>/characters/<id>/character.yaml   name, description, negative, seed, lora, lora_weight, aliases
    <library_dir>/characters/<id>/references/*.png reference images (photos, crops of a character sheet)
    <library_dir>/locations/<id>/location.yaml     name, prompt, negative, seed, aliases, strength, use
    <library_dir>/locations/<id>/references/*.png  reference images; plate.png is the generated plate

Entries saved by the app's Characters/Locations tabs (`entry.yaml` + `images/`, see
app/services/library_service.py) are read too: their description becomes the prompt and their images the
references. Every problem is one sentence naming the file and the field.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..image_files import IMAGE_SUFFIXES
from .errors import BookError

CHARACTER_FILE = "character.yaml"
LOCATION_FILE = "location.yaml"
LEGACY_FILE = "entry.yaml"
PLATE_FILE = "plate.png"
LocationUse = Literal["restyle", "crop"]
LibraryKind = Literal["characters", "locations"]  # the library's folders


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field(min_length=1, max_length=80)
    aliases: list[str] = Field(default_factory=list)
    negative: str = ""
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    folder: Path | None = Field(None, exclude=True)
    references: list[str] = Field(
        default_factory=list,
        description=(
            "file names under references/ (or paths relative to the entry folder); all of references/ when empty"
        ),
    )

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name cannot be blank")
        return value.strip()

    @field_validator("negative", mode="before")
    @classmethod
    def _join_negative(cls, value: object) -> object:
        if isinstance(value, list):
            return ", ".join(str(v).strip() for v in value if str(v).strip())
        return "" if value is None else value

    def reference_paths(self) -> list[Path]:
        """The reference images on disk (listed ones in order, else every image in references/)."""
        if self.folder is None:
            return []
        refs = self.folder / "references"
        if self.references:
            return [self.folder / name if "/" in name else refs / name for name in self.references]
        return sorted(p for p in refs.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if refs.is_dir() else []

    def matches(self, name: str) -> bool:
        key = name.strip().casefold()
        return key in {self.name.casefold(), entry_id(self.name), *(a.casefold() for a in self.aliases)}


class Character(_Entry):
    """A recurring character: what they look like, what to avoid, their LoRA and reference images."""

    description: str = ""
    lora: str | None = None
    lora_weight: float = Field(0.8, ge=0.0, le=2.0)


class Location(_Entry):
    """A place: its prompt, references and the plate generated once and reused by every panel there.

    `use`: `restyle` redraws each panel from a crop of the plate (img2img, `strength` = denoise);
    `crop` uses the plate's crop as it is for panels without characters (restyle for the others)."""

    prompt: str = ""
    strength: float = Field(0.65, ge=0.05, le=1.0)
    use: LocationUse = "restyle"

    @property
    def plate_path(self) -> Path | None:
        return self.folder / PLATE_FILE if self.folder is not None else None


def entry_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return slug[:60] or "entry"


def _describe(error: ValidationError, path: Path) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{path}: unknown field {key}; remove it or check its spelling."
    if first["type"] == "missing":
        return f"{path}: the field {key} is required."
    message = first["msg"].removeprefix("Value error, ")
    return f"{path}: {key} = {first.get('input')!r} is not allowed ({message[0].lower() + message[1:]})."


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BookError(f"{path} is not valid YAML{where}; fix the syntax there.") from None
    except OSError as exc:
        raise BookError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BookError(f"{path} must hold fields (name: ..., description: ...), not a {type(data).__name__}.")
    return data


def load_character(folder: Path) -> Character:
    """Read <folder>/character.yaml (or the Characters tab's entry.yaml) and check its references exist."""
    return _load(Path(folder), Character, CHARACTER_FILE)


def load_location(folder: Path) -> Location:
    return _load(Path(folder), Location, LOCATION_FILE)


def _load(folder: Path, model: type[_Entry], filename: str):
    path = folder / filename
    if path.is_file():
        data = _read_yaml(path)
    elif (folder / LEGACY_FILE).is_file():
        legacy = _read_yaml(folder / LEGACY_FILE)
        data = {
            "name": legacy.get("name", ""),
            ("description" if model is Character else "prompt"): legacy.get("description") or "",
        }
        images = folder / "images"
        if images.is_dir():  # the tab keeps its pictures in images/; expose them as references
            data["references"] = [
                f"images/{p.name}" for p in sorted(images.glob("*")) if p.suffix.lower() in IMAGE_SUFFIXES
            ]
        path = folder / LEGACY_FILE
    else:
        raise BookError(f"{folder} holds no {filename}; create one with at least a `name:` line.")
    try:
        entry = model.model_validate({**data, "folder": folder})
    except ValidationError as exc:
        raise BookError(_describe(exc, path)) from None
    for reference in entry.reference_paths():
        if not reference.is_file():
            raise BookError(
                f"{path}: the reference image {reference.name} is not in {reference.parent}; "
                "add it or remove it from references."
            )
    return entry


def check_image(source: Path | str) -> Path:
    """The path of an image the library can keep; BookError naming the file otherwise."""
    source = Path(source)
    if source.suffix.lower() not in IMAGE_SUFFIXES:
        raise BookError(f"{source.name} is not an image the library keeps; use {', '.join(IMAGE_SUFFIXES)}.")
    try:
        with Image.open(source) as image:
            image.verify()
    except Image.DecompressionBombError as exc:
        from ..image_limits import pixel_limit_message

        raise BookError(pixel_limit_message(source, exc)) from None
    except (OSError, UnidentifiedImageError):
        raise BookError(f"{source.name} cannot be read as an image; re-export it as PNG or JPEG.") from None
    return source


def save_entry(entry: Character | Location, library_dir: Path, *, images: Sequence[Path] = ()) -> Character | Location:
    """Write the entry under <library_dir>/<characters|locations>/<id>/, copying `images` into references/."""
    kind, filename = ("characters", CHARACTER_FILE) if isinstance(entry, Character) else ("locations", LOCATION_FILE)
    folder = Path(library_dir) / kind / entry_id(entry.name)
    (folder / "references").mkdir(parents=True, exist_ok=True)
    added = []
    for source in images:
        source = check_image(source)
        target = folder / "references" / source.name
        if source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        added.append(source.name)
    data = entry.model_dump(mode="json", exclude_defaults=False, exclude={"folder"})
    if entry.references or added:
        data["references"] = list(dict.fromkeys([*entry.references, *added]))
    (folder / filename).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return _load(folder, type(entry), filename)


def list_entries(library_dir: Path, kind: LibraryKind) -> list[Character] | list[Location]:
    """Every readable entry of one kind; a broken entry raises its own sentence (never skipped silently)."""
    root = Path(library_dir) / kind
    if not root.is_dir():
        return []
    loader = load_character if kind == "characters" else load_location
    filename = CHARACTER_FILE if kind == "characters" else LOCATION_FILE
    folders = [c for c in sorted(root.iterdir()) if (c / filename).is_file() or (c / LEGACY_FILE).is_file()]
    return [loader(folder) for folder in folders]


def find_entry(entries: Sequence[_Entry], name: str):
    """The entry called `name` (its name, id or an alias, any case), or None."""
    for entry in entries:
        if entry.matches(name):
            return entry
    return None
