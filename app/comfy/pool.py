"""Health of a ComfyUI backend: reachable, version, node count, whether the project's nodes are loaded."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Timeouts

from .client import ComfyClient
from .errors import ComfyError

PROJECT_NODE_PREFIX = "Inkframe"


@dataclass(frozen=True)
class BackendHealth:
    url: str
    reachable: bool
    version: str | None = None
    node_count: int = 0
    project_nodes: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    error: str | None = None

    @property
    def project_nodes_loaded(self) -> bool:
        return bool(self.project_nodes)

    def describe(self) -> str:
        if not self.reachable:
            return self.error or f"ComfyUI at {self.url} is not reachable."
        nodes = f"{len(self.project_nodes)} project nodes" if self.project_nodes else "project nodes NOT loaded"
        return (f"ComfyUI {self.version or '(unknown version)'} at {self.url}: {self.node_count} node types, {nodes}, "
                f"devices {', '.join(self.devices) or 'unknown'}.")


def check_backend(url: str, *, timeouts: Timeouts | None = None, prefix: str = PROJECT_NODE_PREFIX,
                  refresh: bool = True) -> BackendHealth:
    """Ask /system_stats and /object_info; never raises for an unreachable or failing server."""
    with ComfyClient(url, timeouts=timeouts) as client:
        try:
            stats = client.system_stats()
            info = client.object_info(refresh=refresh)
        except ComfyError as exc:
            return BackendHealth(url=client.base_url, reachable=False, error=str(exc))
    system = stats.get("system") or {}
    devices = tuple(str(device.get("name") or device.get("type")) for device in stats.get("devices") or ())
    return BackendHealth(url=client.base_url, reachable=True, version=system.get("comfyui_version"),
                         node_count=len(info), project_nodes=tuple(sorted(n for n in info if n.startswith(prefix))),
                         devices=devices)
