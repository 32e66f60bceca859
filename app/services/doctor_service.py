"""`doctor`: is the backend reachable, which version, are the project's nodes loaded, and what each studio
capability (or each workflow asked about) is missing on it, grouped by cause: one line per missing node
pack with its install line, one per missing model with its size and download line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..comfy import BackendHealth, ComfyClient, ComfyError, check_backend
from ..config import Timeouts
from ..workflows import Workflow, WorkflowError, load_workflow
from ..workflows.capabilities import Capability, CapabilityReport
from . import capability_service


@dataclass
class DoctorReport:
    backend: BackendHealth
    capabilities: CapabilityReport | None = None  # the studio's capabilities, or the workflows asked about
    errors: tuple[str, ...] = ()  # workflows that could not be read

    @property
    def ok(self) -> bool:
        """Reachable, and everything checked can run."""
        return (
            self.backend.reachable
            and not self.errors
            and self.capabilities is not None
            and all(s.ready for s in self.capabilities.statuses)
        )


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
    if workflows is None:
        report.capabilities = capability_service.capabilities_of(object_info)
        return report
    loaded: dict[str, Workflow] = {}
    errors = []
    for path in workflows:
        try:
            loaded[path.stem] = load_workflow(path)
        except WorkflowError as exc:
            errors.append(f"{path.stem}: {exc}")
    asked = tuple(Capability(name, name, name) for name in loaded)  # type: ignore[arg-type]
    report.capabilities = capability_service.capabilities_of(object_info, loaded, asked)
    report.errors = tuple(errors)
    return report
