"""The ComfyUI a command talks to: `--comfyui-url`, else a managed ComfyUI when `comfyui.launch` is
set (started now, stopped when the block ends), else `comfyui.url`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..config import PROJECT_ROOT, Config


@contextmanager
def open_backend(config: Config, url_override: str | None = None) -> Iterator[str]:
    """Yield the base URL of the backend to use for the duration of the block."""
    if url_override:
        yield url_override.rstrip("/")
        return
    if config.comfyui.launch is None:
        yield config.comfyui.url.rstrip("/")
        return
    from ..comfy import ManagedComfyUI

    managed = ManagedComfyUI(
        config.comfyui.launch,
        PROJECT_ROOT,
        timeouts=config.comfyui.timeouts,
        data_dir=config.resolve(config.app.data_dir) / "comfyui",
        models_dir=config.resolve(config.faceswap.models_dir),
    )  # where downloads go
    with managed:
        yield managed.url
