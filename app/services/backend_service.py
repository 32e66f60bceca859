"""Backend health for the UI and the CLI: is each configured ComfyUI reachable, which version, which devices.

Speaks to ComfyUI only through `app.comfy` (the transport layer). Every check has an explicit timeout
and never raises for an unreachable backend: the answer says so in one sentence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..config import Config


@dataclass(frozen=True)
class BackendHealth:
    name: str
    url: str
    reachable: bool
    message: str
    version: str | None = None
    python_version: str | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)
    checked_at: float = 0.0


def configured_backends(config: Config, comfyui_url: str) -> list[tuple[str, str]]:
    """(name, url) of the main backend followed by the extra queue backends, without duplicates."""
    pairs = [("main", comfyui_url.rstrip("/"))]
    for backend in config.comfyui.backends:
        url = backend.url.rstrip("/")
        if url not in {existing for _, existing in pairs}:
            pairs.append((backend.name, url))
    return pairs


def check_backend(name: str, url: str, timeout_s: float = 3.0) -> BackendHealth:
    """Ask one ComfyUI for /system_stats within `timeout_s` seconds."""
    return BackendHealth(
        name, url, False,
        "the ComfyUI client (app/comfy) is not part of this installation yet, so the backend cannot be checked",
        checked_at=time.time(),
    )


def check_backends(config: Config, comfyui_url: str, timeout_s: float = 3.0) -> list[BackendHealth]:
    return [check_backend(name, url, timeout_s) for name, url in configured_backends(config, comfyui_url)]


def describe_health(health: BackendHealth) -> str:
    """One sentence for the user about one backend."""
    if health.reachable:
        devices = f" on {', '.join(health.devices)}" if health.devices else ""
        return f"ComfyUI {health.version or '(unknown version)'} at {health.url} is reachable{devices}."
    return f"No ComfyUI is reachable at {health.url}: {health.message}."
