"""The page step of the book build: pages composed as soon as their panels are done (parallel builds), and the
build's figures for the report."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from .build_types import BuildEvent, BuildEventKind
from .plan import PanelRef
from .state import PanelRecord


class _PageComposer:
    """Composes each page as soon as all its panels have art (parallel builds), so finished pages appear
    while the rest of the book is still being drawn; the export then reuses them."""

    def __init__(
        self,
        book: Any,
        out_dir: Path,
        on_event: Callable[[BuildEvent], None],
        only_page: int | None,
        compose_options: Any = None,
    ) -> None:
        self.book, self.out_dir, self.on_event, self.only_page = book, out_dir, on_event, only_page
        self.compose_options = compose_options
        self.art: dict[tuple[int, int], Path] = {}
        self.composed: set[int] = set()
        self.warnings: list[str] = []
        self._lock = threading.Lock()

    def panel_done(self, record: PanelRecord) -> None:
        with self._lock:
            if record.image:
                self.art[(record.page, record.panel)] = self.out_dir / record.image
            page = next((p for p in self.book.pages if p.number == record.page), None)
            if (
                page is None
                or (self.only_page is not None and page.number != self.only_page)
                or page.number in self.composed
            ):
                return
            if all((page.number, panel.number) in self.art for panel in page.panels):
                from .pages import compose_page_file

                self.warnings.extend(
                    compose_page_file(self.book, page.number, self.art, self.out_dir, self.compose_options)
                )
                self.composed.add(page.number)
                self.on_event(BuildEvent(BuildEventKind.PAGE, f"page {page.number} composed"))


def _figures(
    records: list[PanelRecord], images: list[Image.Image], generated: list[PanelRef], seconds: float
) -> dict[str, Any]:
    from ..comic.grading import measure_grade_consistency, page_consistency

    fresh = [r for r in records if PanelRef(r.page, r.panel) in generated]
    outlier = None
    if len(images) > 2:
        scores = page_consistency(images)
        index = min(range(len(scores)), key=scores.__getitem__)
        pictured = [r for r in records if r.image]  # `images` holds only the panels that have art, in this order
        outlier = f"page {pictured[index].page} panel {pictured[index].panel} ({scores[index]:.3f})"
    overheads = [r.app_overhead_ms for r in fresh if r.app_overhead_ms is not None]
    transport = [a.app_overhead_ms for r in fresh for a in r.attempts if a.app_overhead_ms is not None]
    return {
        "panels": len(records),
        "generated": len(fresh),
        "style_consistency": round(measure_grade_consistency(images), 4) if images else None,
        "style_outlier": outlier,
        "identity_pass_rate": _rate([r.identity_passed for r in records]),
        "quality_pass_rate": _rate([r.quality_passed for r in records]),
        "retries": sum(r.retries for r in records),
        "repairs": sum(r.repairs for r in records),
        "orchestration_ms_per_panel": round(sum(overheads) / len(overheads), 2) if overheads else None,
        "app_cpu_ms_per_panel": _mean([r.app_cpu_ms for r in fresh]),
        "transport_ms_per_run": round(sum(transport) / len(transport), 2) if transport else None,
        "comfy_execution_s": round(sum(r.comfy_execution_s or 0.0 for r in fresh), 3),
        "wall_s": round(seconds, 3),
    }


def _mean(values: list[float | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(sum(measured) / len(measured), 2) if measured else None


def _rate(values: list[bool | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return round(sum(measured) / len(measured), 4) if measured else None
