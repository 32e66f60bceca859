"""Health of a ComfyUI backend: the one model used by doctor, the UI's backend banner and the job queue's pool.

`check_backend(url)` opens a client and asks; `probe(client)` asks through a client the caller owns (the
queue's `BackendPool` keeps one per backend). Neither raises for an unreachable or failing server: the
answer says so. The main backend (`comfyui.url`) is named `MAIN_BACKEND` everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from app.config import Timeouts

from ..backoff import Backoff
from .client import ComfyClient
from .errors import ComfyError

PROJECT_NODE_PREFIX = "Inkframe"
MAIN_BACKEND = "default"


@dataclass(frozen=True)
class BackendHealth:
    url: str
    reachable: bool
    name: str = MAIN_BACKEND
    version: str | None = None
    python_version: str | None = None
    node_count: int | None = None  # None: /object_info was not asked
    project_nodes: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    error: str | None = None
    checked_at: float = 0.0

    @property
    def project_nodes_loaded(self) -> bool:
        return bool(self.project_nodes)

    def describe(self) -> str:
        """One sentence for the user."""
        if not self.reachable:
            message = (self.error or f"ComfyUI at {self.url} is not reachable").rstrip(".")
            return message[:1].upper() + message[1:] + "."
        version = self.version or "(unknown version)"
        if self.node_count is None:
            devices = f" on {', '.join(self.devices)}" if self.devices else ""
            return f"ComfyUI {version} at {self.url} is reachable{devices}."
        nodes = f"{len(self.project_nodes)} project nodes" if self.project_nodes else "project nodes NOT loaded"
        return (
            f"ComfyUI {version} at {self.url}: {self.node_count} node types, {nodes}, "
            f"devices {', '.join(self.devices) or 'unknown'}."
        )


def probe(
    client: Any,
    *,
    name: str = MAIN_BACKEND,
    with_nodes: bool = True,
    prefix: str = PROJECT_NODE_PREFIX,
    refresh: bool = True,
) -> BackendHealth:
    """Ask /system_stats (and /object_info when `with_nodes`) through `client`; never raises a ComfyError."""
    checked_at = time.time()
    url = getattr(client, "base_url", "")
    try:
        stats = client.system_stats()
        info = client.object_info(refresh=refresh) if with_nodes else None
    except ComfyError as exc:
        return BackendHealth(url=url, reachable=False, name=name, error=str(exc), checked_at=checked_at)
    system = stats.get("system") or {}
    devices = tuple(str(device.get("name") or device.get("type") or "?") for device in stats.get("devices") or ())
    return BackendHealth(
        url=url,
        reachable=True,
        name=name,
        version=system.get("comfyui_version"),
        python_version=system.get("python_version"),
        devices=devices,
        checked_at=checked_at,
        node_count=None if info is None else len(info),
        project_nodes=() if info is None else tuple(sorted(n for n in info if n.startswith(prefix))),
    )


def check_backend(
    url: str,
    *,
    name: str = MAIN_BACKEND,
    timeouts: Timeouts | None = None,
    with_nodes: bool = True,
    prefix: str = PROJECT_NODE_PREFIX,
    refresh: bool = True,
    retry: Backoff | None = None,
) -> BackendHealth:
    """Open a client for `url` and `probe` it (`retry=Backoff(attempts=1)` for a quick single try)."""
    client = ComfyClient(url, timeouts=timeouts) if retry is None else ComfyClient(url, timeouts=timeouts, retry=retry)
    with client:
        return probe(client, name=name, with_nodes=with_nodes, prefix=prefix, refresh=refresh)
