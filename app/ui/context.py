"""What every UI component may read: the validated config and the backend it talks to."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Config


@dataclass(frozen=True)
class UiContext:
    config: Config
    comfyui_url: str

    @property
    def output_dir(self):
        return self.config.resolve(self.config.app.output_dir)

    @property
    def data_dir(self):
        return self.config.resolve(self.config.app.data_dir)
