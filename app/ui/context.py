"""What every UI component may read: the validated config, the backend URL and the services it uses."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config


class UiServices:
    """Services opened lazily, once per server, and shared by every browser session."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._queue: Any = None

    def queue(self) -> Any:
        """The `QueueService` (app.services.queue_service)."""
        with self._lock:
            if self._queue is None:
                from ..services.queue_service import QueueService

                self._queue = QueueService(self._config)
            return self._queue

    def adopt_queue(self, service: Any) -> None:
        """Use the QueueService the REST API already opened (one store, one engine per server)."""
        with self._lock:
            self._queue = service

    def close(self) -> None:
        with self._lock:
            if self._queue is not None:
                self._queue.close()
                self._queue = None


@dataclass(frozen=True)
class UiContext:
    config: Config
    comfyui_url: str
    services: UiServices = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.services is None:
            object.__setattr__(self, "services", UiServices(self.config))

    @property
    def output_dir(self) -> Path:
        return self.config.resolve(self.config.app.output_dir)

    @property
    def data_dir(self) -> Path:
        return self.config.resolve(self.config.app.data_dir)
