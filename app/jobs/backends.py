"""The ComfyUI backends a worker dispatches to: health, capabilities and load.

Backends come from config: `comfyui.url` is the backend named `default` (`app.comfy.health.MAIN_BACKEND`;
unless `comfyui.backends`
already lists that URL), and every entry of `comfyui.backends` adds one. All talking goes through
`app.comfy.ComfyClient`; this module only keeps what a dispatcher needs to choose: which backends
answer, which node types and models each has (`object_info`, checked with the workflow preflight),
and how many of its slots are busy (counted in the job store, so it holds across workers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.comfy.health import MAIN_BACKEND, probe
from app.config import Config
from app.errors import InkframeError

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 3.0


class NoCapableBackendError(InkframeError):
    """No configured backend can run a job: the message says what is missing where."""


@dataclass(frozen=True)
class BackendSpec:
    name: str
    url: str
    max_concurrent: int = 1


@dataclass
class BackendState:
    spec: BackendSpec
    healthy: bool = False
    checked_at: float = 0.0
    error: str | None = None
    object_info: Mapping[str, Any] | None = field(default=None, repr=False)
    node_specs: Any = field(default=None, repr=False)  # app.workflows NodeSpecs, parsed once per object_info


@dataclass(frozen=True)
class BackendChoice:
    """Where a job can run: `able` (healthy backends that can run it), `waiting` (down ones worth waiting
    for) and `missing` (what each other backend lacks, in sentences)."""

    able: list[str]
    waiting: list[str]
    missing: dict[str, list[str]]

    def without(self, broken: Mapping[str, list[str]]) -> BackendChoice:
        """The same choice with the `broken` backends moved to `missing` with their reasons."""
        if not broken:
            return self
        return BackendChoice(
            [name for name in self.able if name not in broken],
            [name for name in self.waiting if name not in broken],
            {**self.missing, **broken},
        )


def backend_specs(config: Config, *, main_url: str | None = None) -> list[BackendSpec]:
    """The backends named by the config, the main ComfyUI (`main_url`, else `comfyui.url`) first, each URL once."""
    specs = [BackendSpec(b.name, b.url.rstrip("/"), b.max_concurrent) for b in config.comfyui.backends]
    main_url = (main_url or config.comfyui.url).rstrip("/")
    if all(spec.url != main_url for spec in specs):
        specs.insert(0, BackendSpec(MAIN_BACKEND, main_url, 1))
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InkframeError(f"comfyui.backends uses the name {duplicates[0]!r} twice; give every backend its own name.")
    return specs


def parse_node_specs(object_info: Mapping[str, Any]) -> Any:
    from app.workflows.widgets import NodeSpecs

    return NodeSpecs(dict(object_info))


def preflight_problems(prompt: Mapping[str, Any], object_info: Any, uploads: frozenset[str] = frozenset()) -> list[str]:
    """Sentences naming what a backend lacks to run prompt (node types, models), [] when it can. Files in
    `uploads` are sent to the backend just before the prompt: not finding them there yet is no problem."""
    from app.workflows import preflight  # the workflow layer owns the rules

    report = preflight(prompt, object_info)
    return [
        problem.sentence
        for problem in report.problems
        if not (
            problem.kind == "not_in_list"
            and uploads
            and (prompt.get(problem.node_id) or {}).get("inputs", {}).get(problem.input) in uploads
        )
    ]


ClientFactory = Callable[[BackendSpec], Any]


def make_comfy_client(spec: BackendSpec, config: Config, *, health: bool = False) -> Any:
    """A client for one backend. Queue clients reconnect briefly (the queue retries elsewhere rather
    than wait long for a dead server); health clients try once with short timeouts."""
    from app.backoff import Backoff
    from app.comfy import ComfyClient

    timeouts = config.comfyui.timeouts
    if health:
        quick = timeouts.model_copy(
            update={"connect": min(timeouts.connect, 2.0), "read": min(timeouts.read, HEALTH_TIMEOUT_S)}
        )
        return ComfyClient(spec.url, timeouts=quick, retry=Backoff(attempts=1))
    return ComfyClient(spec.url, timeouts=timeouts, reconnect=Backoff(attempts=4, base=0.25, factor=2.0, cap=1.0))


class BackendPool:
    """Thread-safe view of the backends' health and capabilities for one worker."""

    def __init__(
        self,
        specs: list[BackendSpec],
        client_factory: ClientFactory,
        *,
        health_factory: ClientFactory | None = None,
        recheck_s: float = 2.0,
    ) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self._states = {spec.name: BackendState(spec) for spec in specs}
        self._factory = client_factory
        self._health_factory = health_factory or client_factory
        self._health_clients: dict[str, Any] = {}
        self._clients: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()
        self.recheck_s = recheck_s

    def client(self, name: str) -> Any:
        """This thread's client for a backend (a ComfyClient must not be shared by threads that wait)."""
        key = (name, threading.get_ident())
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._factory(self.specs[name])
            return self._clients[key]

    def release_client(self, name: str) -> None:
        """Close this thread's client for a backend (a thread that ends, e.g. one that followed an adopted job)."""
        with self._lock:
            client = self._clients.pop((name, threading.get_ident()), None)
        close = getattr(client, "close", None)
        if callable(close):
            close()

    def state(self, name: str) -> BackendState:
        return self._states[name]

    def states(self) -> list[BackendState]:
        return list(self._states.values())

    def check(self, name: str) -> BackendState:
        """Ask the backend for /system_stats; on recovery fetch its /object_info again."""
        state = self._states[name]
        with self._lock:
            if name not in self._health_clients:
                self._health_clients[name] = self._health_factory(self.specs[name])
            client = self._health_clients[name]
        was_healthy = state.healthy
        try:
            health = probe(client, name=name, with_nodes=False)
            if not health.reachable:
                raise InkframeError(health.error or f"backend {name} is not reachable")
            if not was_healthy or state.object_info is None:  # a big answer: a normal client and timeouts
                info_client = self._factory(self.specs[name])
                try:
                    info = info_client.object_info(refresh=True)
                finally:
                    info_client.close()
                state.node_specs = parse_node_specs(info)
                state.object_info = info
            state.healthy, state.error = True, None
            if not was_healthy:
                log.info("backend %s at %s is up", name, state.spec.url)
        except InkframeError as exc:
            state.healthy, state.error = False, str(exc)
            if was_healthy or state.checked_at == 0.0:
                log.warning("backend %s is down: %s", name, exc)
        state.checked_at = time.monotonic()
        return state

    def check_all(self) -> list[BackendState]:
        """Check every backend at once (a slow or dead one does not delay the others)."""
        with ThreadPoolExecutor(max_workers=max(1, len(self.specs)), thread_name_prefix="inkframe-health") as pool:
            return list(pool.map(self.check, self.specs))

    def mark_down(self, name: str, reason: str) -> None:
        state = self._states[name]
        state.healthy, state.error, state.checked_at = False, reason, time.monotonic()

    def refresh_stale(self) -> None:
        """Re-check backends that are down (or never checked) at most every recheck_s seconds."""
        for name, state in self._states.items():
            if not state.healthy and time.monotonic() - state.checked_at >= self.recheck_s:
                self.check(name)

    def capable(
        self,
        prompt: Mapping[str, Any] | None = None,
        *,
        per_backend: Mapping[str, Mapping[str, Any]] | None = None,
        uploads: frozenset[str] = frozenset(),
    ) -> BackendChoice:
        """Which backends can run prompt (healthy), are worth waiting for (down), or lack something (and what).

        A down backend whose object_info is known is judged on it. One never reached is only worth
        waiting for while no backend at all has answered yet; otherwise a job no reachable backend can
        run fails at once, naming what each lacks (and which were down), instead of waiting forever.
        `per_backend` gives each backend its own prompt (a UI workflow converted with its object_info).
        """
        able: list[str] = []
        waiting: list[str] = []
        missing: dict[str, list[str]] = {}
        never_reached: list[str] = []
        for name, state in self._states.items():
            candidate = per_backend.get(name) if per_backend is not None else prompt
            if state.object_info is None or candidate is None:
                never_reached.append(name)
                continue
            info = state.node_specs if state.node_specs is not None else state.object_info
            problems = preflight_problems(candidate, info, uploads) if uploads else preflight_problems(candidate, info)
            if problems:
                missing[name] = problems
            elif state.healthy:
                able.append(name)
            else:
                waiting.append(name)
        if not missing and not able and not waiting:
            return BackendChoice([], never_reached, {})
        for name in never_reached:
            missing[name] = [f"down and never reached ({self._states[name].error or 'not checked yet'})"]
        return BackendChoice(able, waiting, missing)

    def version(self) -> tuple:
        """Changes whenever a backend's health or object_info changes (to reuse capability checks)."""
        return tuple((name, state.healthy, id(state.object_info)) for name, state in self._states.items())

    def pick(
        self, candidates: list[str], running: Mapping[str, int], avoid: frozenset[str] = frozenset()
    ) -> str | None:
        """The least-loaded candidate with a free slot (load = running / max_concurrent); among equals,
        one not in avoid (where this job already failed) comes first."""
        free = [name for name in candidates if running.get(name, 0) < self.specs[name].max_concurrent]
        if not free:
            return None
        return min(free, key=lambda name: (running.get(name, 0) / self.specs[name].max_concurrent, name in avoid, name))

    def close(self) -> None:
        for client in [*self._clients.values(), *self._health_clients.values()]:
            close = getattr(client, "close", None)
            if callable(close):
                close()


def describe_missing(missing: Mapping[str, list[str]]) -> str:
    """One sentence: what each backend lacks."""
    parts = [f"{name}: {'; '.join(problem.rstrip('.') for problem in problems)}" for name, problems in missing.items()]
    return "no backend can run this job (" + " | ".join(parts) + ")"
