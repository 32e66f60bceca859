"""Your own workflows: add a workflow file (UI or API format JSON, or a PNG with the workflow ComfyUI embeds)
to the user's workflows folder (`<app.data_dir>/workflows/`), where the Workflows tab lists it next to the
built-in library at once, without a restart.

Every upload is size-limited, its name is reduced to a safe file name, and it is parsed before it is kept:
a file that is not a workflow is refused with one sentence and nothing is written.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from pathlib import Path

from ..config import Config
from ..errors import InkframeError
from ..workflows.library import WORKFLOWS_DIR

MAX_WORKFLOW_BYTES = 16 * 2**20  # a PNG with an embedded workflow, or the JSON itself
MAX_NAME_CHARS = 64
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYS = ("workflow", "prompt")  # ComfyUI's text chunks: the UI graph, then the API prompt


class WorkflowUploadError(InkframeError):
    """An uploaded file that cannot become a workflow; nothing was written."""


def user_workflows_dir(config: Config) -> Path:
    return config.resolve(config.app.data_dir) / "workflows"


def user_workflows(config: Config) -> list[Path]:
    """The user's workflow files, sorted by name (none when the folder does not exist yet)."""
    folder = user_workflows_dir(config)
    return sorted(path for path in folder.glob("*.json") if path.is_file()) if folder.is_dir() else []


def safe_name(filename: str) -> str:
    """The workflow name for an uploaded file name: lower-case letters, digits, '_' and '-' only."""
    stem = Path(filename.replace("\\", "/")).name
    for suffix in (".png", ".json"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    name = re.sub(r"[^a-z0-9_-]+", "_", stem.lower()).strip("_-")[:MAX_NAME_CHARS].strip("_-")
    if not name:
        raise WorkflowUploadError(f"{filename!r} gives no usable workflow name; name the file with letters or digits.")
    return name


def workflow_text(filename: str, data: bytes) -> str:
    """The workflow JSON inside an uploaded file: the file itself, or the text chunk of a ComfyUI PNG."""
    if len(data) > MAX_WORKFLOW_BYTES:
        raise WorkflowUploadError(
            f"{filename} is {len(data) // 2**20} MiB; a workflow file may be at most {MAX_WORKFLOW_BYTES // 2**20} MiB."
        )
    if data.startswith(PNG_SIGNATURE):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                chunks = dict(getattr(image, "text", {}) or {})
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            raise WorkflowUploadError(f"{filename} is not a readable PNG ({exc}).") from None
        for key in PNG_KEYS:
            if isinstance(chunks.get(key), str) and chunks[key].strip():
                return chunks[key]
        raise WorkflowUploadError(
            f"{filename} holds no ComfyUI workflow; save the image from ComfyUI with its metadata."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WorkflowUploadError(f"{filename} is neither a workflow JSON file nor a PNG with one.") from None


def add_workflow(config: Config, filename: str, data: bytes) -> Path:
    """Keep an uploaded workflow in the user's folder under its safe name (a newer upload of the same name
    replaces it); returns its path. A built-in workflow's name is refused so runs stay unambiguous."""
    from ..workflows import load_workflow, parameter_schema

    name = safe_name(filename)
    if (WORKFLOWS_DIR / f"{name}.json").is_file():
        raise WorkflowUploadError(f"a built-in workflow is called {name!r}; rename your file to keep both.")
    text = workflow_text(filename, data)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkflowUploadError(f"{filename} is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    folder = user_workflows_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{name}-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(parsed, out, indent=1)
        try:
            parameter_schema(load_workflow(temp))
        except InkframeError as exc:
            raise WorkflowUploadError(f"{filename} is not a workflow the studio can read: {exc}") from None
        target = folder / f"{name}.json"
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target
