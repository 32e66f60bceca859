"""Step progress of a running prompt, from ComfyUI's WebSocket events, as updates of the job record.

ComfyUI sends `progress` (value/max of the node that runs, e.g. KSampler step 5 of 20) and `executing`
(which node starts). `ProgressFollower.offer(event)` turns them into the fields the job store keeps:
`progress` (0..1, never going back within a run), `progress_text` ("KSampler step 5/20 · about 6 s left")
and `live` (step, steps, step rate, time left). Writes are throttled (every step of a slow sampler, not every
event of a fast one); the last step of a node is always written. Pure: no I/O, the clock is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.comfy.events import ExecutingEvent, ProgressEvent

from .models import LiveProgress

WRITE_EVERY_S = 0.25
STARTED_FRACTION = 0.02  # the prompt runs (loading models ...): the bar moves off 0 at once
MIN_SPAN_S = 1.0
SAMPLING_SHARE = 0.93  # steps fill the bar up to 95 %; decoding and saving take the rest


def eta_text(seconds: float | None) -> str:
    """'about 7 s left', 'about 3 min left', or '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"


def node_types(prompt: Mapping[str, Any] | None) -> dict[str, str]:
    """Node id -> class_type of an API prompt (names the node in the progress text)."""
    return {
        str(node_id): str(node.get("class_type"))
        for node_id, node in (prompt or {}).items()
        if isinstance(node, Mapping) and node.get("class_type")
    }


@dataclass
class ProgressFollower:
    """Follows one run; `offer` returns the job fields to write now, or None."""

    types: dict[str, str] = field(default_factory=dict)
    write_every_s: float = WRITE_EVERY_S
    fraction: float = 0.0
    _node: str | None = None
    _base: tuple[float, float] | None = None  # (time, value) the step rate is measured from
    _started: tuple[str, float] | None = None  # (node, time) of the last `executing`
    _origin: float | None = None  # when the sampling node started (for the rate until the first steps span 1 s)
    _last_value: float = -1.0
    _last_write: float = float("-inf")
    _pending: dict[str, Any] | None = None

    def offer(self, event: object, at: float | None = None) -> dict[str, Any] | None:
        at = time.monotonic() if at is None else at
        if isinstance(event, ProgressEvent) and event.max:
            return self._on_step(event, at)
        if isinstance(event, ExecutingEvent) and event.node:
            return self._on_node(event.node, at)
        return None

    def flush(self) -> dict[str, Any] | None:
        """The last update held back by the throttle (None when everything was written)."""
        pending, self._pending = self._pending, None
        return pending

    def _on_node(self, node: str, at: float) -> dict[str, Any] | None:
        if self._node is not None and node != self._node:
            self._base, self._last_value = None, -1.0
        self._node, self._started = node, (node, at)
        self.fraction = max(self.fraction, STARTED_FRACTION)
        update = {"progress": self.fraction, "progress_text": f"running {self._name(node)}"}
        return self._throttled(update, at, force=False)

    def _on_step(self, event: ProgressEvent, at: float) -> dict[str, Any] | None:
        node = event.node or self._node or "?"
        again = event.value < self._last_value  # the same sampler node runs again (a loop, a second pass)
        if node != self._node or again:
            self._node, self._base = node, None
        self._last_value = event.value
        if self._base is None:  # the first step seen on this node: the rate is measured from here on
            self._base = (at, event.value)
            self._origin = self._started[1] if self._started and self._started[0] == node and not again else None
        rate = self._rate(event.value, at)
        eta = max(0.0, (event.max - event.value) / rate) if rate else None
        share = min(1.0, event.value / event.max)
        self.fraction = max(self.fraction, STARTED_FRACTION + SAMPLING_SHARE * share)
        step, steps = int(event.value), int(event.max)
        text = " · ".join(part for part in (f"{self._name(node)} step {step}/{steps}", eta_text(eta)) if part)
        live = LiveProgress(step=step, steps=steps, node=node, node_type=self.types.get(node), rate=rate, eta_s=eta)
        update = {"progress": round(self.fraction, 4), "progress_text": text, "live": live}
        return self._throttled(update, at, force=event.value >= event.max)

    def _rate(self, value: float, at: float) -> float | None:
        """Steps per second since the first step seen, once that spans 2 steps and 1 s (the model load before
        step 1 stays out); before that since the node started (a burst of events read late cannot fake speed)."""
        first_at, first_value = self._base or (at, value)
        if value - first_value >= 2 and at - first_at >= MIN_SPAN_S:
            return (value - first_value) / (at - first_at)
        if self._origin is not None and value > 0 and at > self._origin:
            return value / (at - self._origin)
        if value > first_value and at > first_at:
            return (value - first_value) / (at - first_at)
        return None

    def _throttled(self, update: dict[str, Any], at: float, *, force: bool) -> dict[str, Any] | None:
        if not force and at - self._last_write < self.write_every_s:
            self._pending = update
            return None
        self._last_write, self._pending = at, None
        return update

    def _name(self, node: str) -> str:
        kind = self.types.get(node)
        return f"{kind} (node {node})" if kind else f"node {node}"
