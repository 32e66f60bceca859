"""Style presets: prompt fragments, negative tokens, an optional style LoRA and a colour grade.

Built-in presets live in `data/styles.yaml`; a user's own in `<library_dir>/styles/<name>.yaml` (same
fields). `resolve_style(book.style, library_dir)` picks the preset the script's `Style:` line names, or
turns free text into a style (the `ink` preset's negative tokens, no grade).
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import BookError

STYLES_FILE = Path(__file__).resolve().parent / "data" / "styles.yaml"
DEFAULT_STYLE = "ink"


class StylePreset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = DEFAULT_STYLE
    prompt: str = ""
    negative: str = ""
    lora: str | None = None
    lora_weight: float = Field(0.8, ge=0.0, le=2.0)
    grade: str | None = None
    grade_strength: float = Field(1.0, ge=0.0, le=1.0)
    family: str | None = None  # model family of the book's panels (app.workflows.families id); None: the backend's

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str | None) -> str | None:
        from ..workflows.family_choice import FamilyUnavailable, check_family

        try:
            return check_family(value)
        except FamilyUnavailable as exc:
            raise ValueError(str(exc)) from None


@functools.lru_cache(maxsize=1)
def builtin_styles() -> dict[str, StylePreset]:
    data = yaml.safe_load(STYLES_FILE.read_text(encoding="utf-8"))["presets"]
    return {name: StylePreset(name=name, **fields) for name, fields in data.items()}


def style_names(library_dir: Path | None = None) -> list[str]:
    names = set(builtin_styles())
    if library_dir is not None and (Path(library_dir) / "styles").is_dir():
        names |= {p.stem for p in (Path(library_dir) / "styles").glob("*.yaml")}
    return sorted(names)


def load_style_file(path: Path) -> StylePreset:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return StylePreset(**{"name": path.stem, **data})
    except (OSError, yaml.YAMLError) as exc:
        raise BookError(f"style file {path} cannot be read ({exc.__class__.__name__}); fix or delete it.") from None
    except (ValidationError, TypeError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": ("?",), "msg": str(exc)}
        raise BookError(
            f"style file {path}: {'.'.join(map(str, first['loc']))} is not allowed ({first['msg']})."
        ) from None


def resolve_style(text: str, library_dir: Path | None = None, *, grade: str | None = None) -> StylePreset:
    """The preset named by `text` (a user's file first, then the built-ins), or free text as a style.

    `grade` (a grading preset or .cube path) overrides the preset's grade; checked here so a typo fails
    before anything is generated."""
    key = (text or "").strip()
    user_file = Path(library_dir) / "styles" / f"{key.lower()}.yaml" if library_dir is not None and key else None
    if user_file is not None and user_file.is_file():
        style = load_style_file(user_file)
    elif key.lower() in builtin_styles():
        style = builtin_styles()[key.lower()]
    elif not key:
        style = builtin_styles()[DEFAULT_STYLE]
    else:
        base = builtin_styles()[DEFAULT_STYLE]
        style = StylePreset(name="custom", prompt=key, negative=base.negative)
    if grade is not None:
        style = style.model_copy(update={"grade": grade or None})
    if style.grade:
        from ..comic.grading import GradeError, resolve_lut

        try:
            resolve_lut(style.grade)
        except GradeError as exc:
            raise BookError(f"the colour grade {style.grade!r} of style {style.name!r} cannot be used: {exc}") from None
    return style
