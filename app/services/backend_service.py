"""Backend health for the UI and the CLI: is each configured ComfyUI reachable, which version, which devices.

The health model and the check are `app.comfy.health`'s (doctor and the job queue's pool use the same);
the configured backends are `app.jobs.backends.backend_specs`, so the main backend has one name
(`MAIN_BACKEND`, "default") everywhere. Every check has an explicit timeout and never raises for an
unreachable backend: the answer says so in one sentence.
"""

from __future__ import annotations

from ..backoff import Backoff
from ..comfy.health import MAIN_BACKEND, BackendHealth
from ..comfy.health import check_backend as _check
from ..config import Config, Timeouts
from ..jobs.backends import backend_specs

__all__ = ["MAIN_BACKEND", "BackendHealth", "check_backend", "check_backends", "configured_backends", "describe_health"]


def configured_backends(config: Config, comfyui_url: str) -> list[tuple[str, str]]:
    """(name, url) of every backend the queue dispatches to, the main ComfyUI (`comfyui_url`) first."""
    main_url = comfyui_url.rstrip("/")
    specs = sorted(backend_specs(config, main_url=main_url), key=lambda spec: spec.url != main_url)
    return [(spec.name, spec.url) for spec in specs]


def check_backend(name: str, url: str, timeout_s: float = 3.0) -> BackendHealth:
    """Ask one ComfyUI for /system_stats within `timeout_s` seconds, once."""
    return _check(
        url,
        name=name,
        timeouts=Timeouts(connect=timeout_s, read=timeout_s),
        with_nodes=False,
        retry=Backoff(attempts=1),
    )


def check_backends(config: Config, comfyui_url: str, timeout_s: float = 3.0) -> list[BackendHealth]:
    return [check_backend(name, url, timeout_s) for name, url in configured_backends(config, comfyui_url)]


def describe_health(health: BackendHealth) -> str:
    """One sentence for the user about one backend."""
    return health.describe()
