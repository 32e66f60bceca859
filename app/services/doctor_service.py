"""`doctor`: is the backend reachable, which version, are the project's nodes loaded, and what each
built-in workflow is missing on it (node types with their install line, models with their download hint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..comfy import BackendHealth, ComfyClient, ComfyError, check_backend
from ..config import Timeouts
from ..errors import InkframeError
from ..workflows import PreflightReport, WorkflowError, list_workflows, load_workflow, preflight, to_api


@dataclass(frozen=True)
class WorkflowCheck:
    name: str
    report: PreflightReport | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.report is not None and self.report.ok


@dataclass
class DoctorReport:
    backend: BackendHealth
    workflows: list[WorkflowCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.backend.reachable and self.backend.project_nodes_loaded and all(w.ok for w in self.workflows)


def check_workflow(path: Path, object_info: dict) -> WorkflowCheck:
    try:
        prompt = to_api(load_workflow(path), object_info)
    except (WorkflowError, InkframeError) as exc:
        return WorkflowCheck(path.stem, error=str(exc))
    return WorkflowCheck(path.stem, report=preflight(prompt, object_info))


def run_doctor(url: str, *, timeouts: Timeouts | None = None, workflows: list[Path] | None = None) -> DoctorReport:
    backend = check_backend(url, timeouts=timeouts)
    report = DoctorReport(backend=backend)
    if not backend.reachable:
        return report
    with ComfyClient(url, timeouts=timeouts) as client:
        try:
            object_info = client.object_info()
        except ComfyError as exc:
            report.backend = BackendHealth(url=url, reachable=False, error=str(exc))
            return report
    for path in workflows if workflows is not None else list_workflows():
        report.workflows.append(check_workflow(path, object_info))
    return report
