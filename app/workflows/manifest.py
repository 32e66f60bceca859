"""models/manifest.yaml: the model files the built-in workflows need and where to get them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import WorkflowError

DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "models" / "manifest.yaml"
FAMILIES_MANIFEST = DEFAULT_MANIFEST.with_name("families.yaml")  # the modern families' files, downloaded on request
FIELDS = ("name", "folder", "url", "sha256", "size", "licence", "notes")


@dataclass(frozen=True)
class ModelEntry:
    """One model file: its file name, ComfyUI models/ sub-folder, source URL and checksum.

    `sha256` is None where no published checksum could be verified (`sha256_note` says why).
    """

    name: str
    folder: str
    url: str
    sha256: str | None = None
    size: int | None = None
    licence: str = ""
    notes: str = ""
    sha256_note: str = ""
    used_by: tuple[str, ...] = ()


def load_manifest(path: str | Path | None = None) -> list[ModelEntry]:
    import yaml

    file = Path(path) if path else DEFAULT_MANIFEST
    if not file.is_file():
        raise WorkflowError(f"Model manifest {file} does not exist.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise WorkflowError(f"Model manifest {file} is not valid YAML{where}.") from None
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise WorkflowError(f"Model manifest {file} needs a top-level 'models:' list.")
    return [_entry(raw, file, index) for index, raw in enumerate(entries)]


def load_library_manifest() -> list[ModelEntry]:
    """Every model file a built-in workflow may name: models/manifest.yaml, then models/families.yaml."""
    return load_manifest() + load_manifest(FAMILIES_MANIFEST)


def _entry(raw: Any, file: Path, index: int) -> ModelEntry:
    if not isinstance(raw, dict):
        raise WorkflowError(f"Model manifest {file} entry {index + 1} is not a mapping.")
    missing = [k for k in ("name", "folder", "url") if not raw.get(k)]
    if missing:
        raise WorkflowError(
            f"Model manifest {file} entry {index + 1} ({raw.get('name', '?')}) lacks {', '.join(missing)}."
        )
    sha = raw.get("sha256")
    if sha is not None and (
        not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha.lower())
    ):
        raise WorkflowError(f"Model manifest {file} entry {raw['name']} has a sha256 that is not 64 hex digits.")
    return ModelEntry(
        name=str(raw["name"]),
        folder=str(raw["folder"]),
        url=str(raw["url"]),
        sha256=sha.lower() if sha else None,
        size=int(raw["size"]) if raw.get("size") else None,
        licence=str(raw.get("licence") or ""),
        notes=str(raw.get("notes") or ""),
        sha256_note=str(raw.get("sha256_note") or ""),
        used_by=tuple(raw.get("used_by") or ()),
    )


def find_model(entries: list[ModelEntry], value: str) -> ModelEntry | None:
    """The entry for a widget value such as 'SD1.5/model.safetensors' (matched on the file name)."""
    base = value.replace("\\", "/").rsplit("/", 1)[-1]
    return next((e for e in entries if e.name == base), None)
