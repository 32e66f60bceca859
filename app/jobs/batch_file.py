"""Batch files: YAML or CSV lists of jobs, parsed completely before anything is queued.

YAML: a list of jobs, or a mapping `{batch_id?, defaults?, jobs: [...]}`; each job is a JobSpec
mapping (kind, key, parameters, priority, depends_on, max_attempts) and may say
`prompt_file: path.json` (relative to the batch file) instead of `parameters.prompt`.
CSV: a header row with `kind` and optional `key`, `priority`, `depends_on` (keys separated by
spaces or `;`), `max_attempts`, `workflow`, `prompt_file`, and `param.<name>` columns for
parameters (values are read as YAML scalars, so numbers stay numbers).

Every problem names the file and the line: `jobs.yaml line 12: priority: ...`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.config import YamlRefused, load_yaml_strict
from app.errors import InkframeError

from .models import JobSpec


class BatchFileError(InkframeError):
    """A batch file that cannot be parsed; nothing from it was queued."""


@dataclass(frozen=True)
class BatchFile:
    path: Path
    batch_id: str | None
    jobs: list[JobSpec]
    lines: list[int]

    def where(self, index: int) -> str:
        """`path line N` of the job at index (0-based), for errors found after parsing."""
        return f"{self.path} line {self.lines[index]}" if 0 <= index < len(self.lines) else str(self.path)


def _fail(path: Path, line: int | None, message: str) -> BatchFileError:
    where = f" line {line}" if line else ""
    return BatchFileError(f"{path}{where}: {message}; nothing was queued.")


def _spec(path: Path, line: int, data: Any, defaults: dict[str, Any]) -> JobSpec:
    if not isinstance(data, dict):
        raise _fail(path, line, f"a job must be a mapping (kind, parameters, ...), not {type(data).__name__}")
    data = {**defaults, **data}
    prompt_file = data.pop("prompt_file", None)
    workflow = data.pop("workflow", None)
    parameters = dict(data.get("parameters") or {})
    if prompt_file:
        source = path.parent / str(prompt_file)
        try:
            parameters["prompt"] = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(path, line, f"prompt_file {prompt_file} cannot be read as JSON ({exc})") from exc
    if workflow:
        parameters["workflow"] = str(workflow)
    data["parameters"] = parameters
    try:
        return JobSpec.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "job"
        if error["type"] == "extra_forbidden":
            return_msg = (
                f"unknown field {field}; allowed are kind, key, parameters, priority, depends_on, max_attempts, "
                "prompt_file, workflow"
            )
            raise _fail(path, line, return_msg) from exc
        raise _fail(path, line, f"{field}: {error['msg']}") from exc


def _parse_yaml(path: Path, text: str) -> BatchFile:
    try:
        root = yaml.compose(text)
        data = load_yaml_strict(text, str(path))  # refuses alias bombs and duplicate keys in one sentence
    except YamlRefused as exc:
        raise BatchFileError(f"{exc.args[0].removesuffix('.')}; nothing was queued.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    defaults: dict[str, Any] = {}
    batch_id, items, nodes = None, data, root
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"batch_id", "defaults", "jobs"})
        if unknown:
            raise _fail(path, 1, f"unknown top-level key {unknown[0]}; use batch_id, defaults and jobs")
        batch_id, defaults, items = data.get("batch_id"), data.get("defaults") or {}, data.get("jobs")
        nodes = next((value for key, value in root.value if key.value == "jobs"), None)
    if not isinstance(items, list) or not items:
        raise _fail(path, None, "expected a non-empty list of jobs (or a mapping with a jobs list)")
    lines = [node.start_mark.line + 1 for node in nodes.value]
    return BatchFile(path, batch_id, [_spec(path, line, item, defaults) for line, item in zip(lines, items)], lines)


def _scalar(value: str) -> Any:
    try:
        return yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        return value


def _parse_csv(path: Path, text: str) -> BatchFile:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "kind" not in reader.fieldnames:
        raise _fail(path, 1, "the header row must have a kind column")
    jobs: list[JobSpec] = []
    lines: list[int] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise _fail(path, line, f"the row has more cells than the header ({len(reader.fieldnames)})")
        data: dict[str, Any] = {"parameters": {}}
        for column, cell in row.items():
            cell = (cell or "").strip()
            if column.startswith("param."):
                if cell:
                    data["parameters"][column[len("param.") :]] = _scalar(cell)
            elif column == "depends_on":
                data["depends_on"] = [part for part in cell.replace(";", " ").split() if part]
            elif cell:
                data[column] = _scalar(cell) if column in ("priority", "max_attempts") else cell
        jobs.append(_spec(path, line, data, {}))
        lines.append(line)
    if not jobs:
        raise _fail(path, None, "the file has a header but no jobs")
    return BatchFile(path, None, jobs, lines)


def parse_batch_file(path: Path | str) -> BatchFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BatchFileError(f"cannot read the batch file {path} ({exc.strerror or exc}).") from exc
    if path.suffix.lower() == ".csv":
        return _parse_csv(path, text)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return _parse_yaml(path, text)
    raise BatchFileError(f"{path}: unknown batch file type {path.suffix or '(none)'}; use .yaml, .yml, .json or .csv.")
