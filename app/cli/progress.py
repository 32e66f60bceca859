"""A terminal progress bar fed by ComfyUI's typed events."""

from __future__ import annotations

import sys
from typing import Any

from app.services.run_events import ExecutingEvent, ExecutionCachedEvent, ExecutionStartEvent, ProgressEvent


class EventProgress:
    """tqdm bar: steps of the running node when ComfyUI reports them, else nodes done."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._node: str | None = None
        self._nodes_done = 0

    def __enter__(self) -> EventProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, event: object) -> None:
        if not self.enabled:
            return
        if self._bar is None:  # created on the first event, so errors before the run print cleanly
            from tqdm import tqdm

            self._bar = tqdm(total=1, unit="step", file=sys.stderr, leave=False, dynamic_ncols=True)
        if isinstance(event, ExecutionStartEvent):
            self._bar.set_description("started")
        elif isinstance(event, ExecutionCachedEvent):
            self._bar.set_postfix_str(f"{len(event.nodes)} cached")
        elif isinstance(event, ExecutingEvent) and event.node is not None:
            self._node = event.node
            self._nodes_done += 1
            self._bar.set_description(f"node {event.node}")
        elif isinstance(event, ProgressEvent):
            self._bar.total = event.max
            self._bar.n = event.value
            self._bar.refresh()
