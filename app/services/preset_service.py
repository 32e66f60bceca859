"""Named presets of studio settings (page size, DPI, export formats ...), saved as JSON in data_dir/presets/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import InkframeError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


class PresetError(InkframeError):
    """A preset that cannot be saved or loaded."""


def presets_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "presets"


def _path(data_dir: Path, name: str) -> Path:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise PresetError(f"preset name {name!r} is not allowed; use 1-64 letters, digits, spaces, '_', '-' or '.'.")
    return presets_dir(data_dir) / f"{name}.json"


def list_presets(data_dir: Path) -> list[str]:
    folder = presets_dir(data_dir)
    return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []


def save_preset(data_dir: Path, name: str, values: dict[str, Any]) -> Path:
    path = _path(data_dir, name)
    try:
        text = json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise PresetError(f"preset {name!r} holds a value that is not plain data ({exc}).") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load_preset(data_dir: Path, name: str) -> dict[str, Any]:
    path = _path(data_dir, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PresetError(
            f"there is no preset {name!r}; saved presets: {', '.join(list_presets(data_dir)) or 'none'}."
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise PresetError(f"preset file {path} cannot be read ({exc.__class__.__name__}); fix or delete it.") from None
    if not isinstance(data, dict):
        raise PresetError(f"preset file {path} must hold an object of settings.")
    return data
