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
    from ..comfy import ComfyClient, ComfyError
    from ..comfy.backoff import Backoff
    from ..config import Timeouts

    checked_at = time.time()
    timeouts = Timeouts(connect=timeout_s, read=timeout_s)
    client = ComfyClient(url, timeouts=timeouts, retry=Backoff(attempts=1))
    try:
        stats = client.system_stats()
    except ComfyError as exc:
        return BackendHealth(name, url, False, str(exc).rstrip("."), checked_at=checked_at)
    finally:
        client.close()
    system = stats.get("system") or {}
    devices = tuple(str(device.get("name", "?")) for device in stats.get("devices") or [])
    return BackendHealth(
        name, url, True, "reachable", version=system.get("comfyui_version"),
        python_version=system.get("python_version"), devices=devices, checked_at=checked_at,
    )


def check_backends(config: Config, comfyui_url: str, timeout_s: float = 3.0) -> list[BackendHealth]:
    return [check_backend(name, url, timeout_s) for name, url in configured_backends(config, comfyui_url)]


def describe_health(health: BackendHealth) -> str:
    """One sentence for the user about one backend."""
    if health.reachable:
        devices = f" on {', '.join(health.devices)}" if health.devices else ""
        return f"ComfyUI {health.version or '(unknown version)'} at {health.url} is reachable{devices}."
    message = health.message[:1].upper() + health.message[1:]
    return message if message.endswith(".") else message + "."
