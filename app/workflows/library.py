"""The built-in workflow library in workflows/."""

from __future__ import annotations

from pathlib import Path

from .errors import WorkflowError

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"


def list_workflows(directory: str | Path | None = None) -> list[Path]:
    """The .json workflow files of a folder (default: the built-in library), sorted by name."""
    folder = Path(directory) if directory else WORKFLOWS_DIR
    if not folder.is_dir():
        raise WorkflowError(f"Workflow folder {folder} does not exist.")
    return sorted(p for p in folder.glob("*.json") if p.is_file())


def resolve_workflow(name_or_path: str | Path, directory: str | Path | None = None) -> Path:
    """A path as given, or a library workflow by name (with or without .json)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    folder = Path(directory) if directory else WORKFLOWS_DIR
    candidate = folder / (path.name if path.suffix == ".json" else f"{path.name}.json")
    if candidate.is_file():
        return candidate
    names = ", ".join(p.stem for p in list_workflows(folder)) if folder.is_dir() else "none"
    raise WorkflowError(
        f"Workflow {str(name_or_path)!r} is neither a file nor a library workflow; the library has: {names}."
    )
