"""Model files for the Settings tab: which manifest entries are present, partly downloaded or missing,
and a download of one entry (resumable, checksum-verified, by app.workflows.model_download)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..config import Config
from ..errors import InkframeError
from ..workflows import load_manifest
from ..workflows.model_download import download_model, target_path

ModelState = Literal["present", "partial", "missing"]
DownloadTarget = Literal["project", "comfyui"]


class ModelsError(InkframeError):
    """A model that cannot be listed or downloaded."""


@dataclass(frozen=True)
class ModelStatus:
    name: str
    folder: str
    state: ModelState
    size: int | None
    have_bytes: int
    used_by: tuple[str, ...]
    licence: str
    path: Path


def models_dir(config: Config) -> Path:
    return config.resolve(config.faceswap.models_dir)


def download_root(config: Config, target: DownloadTarget = "project", comfyui_dir: str | Path | None = None) -> Path:
    """Where downloads go (ComfyUI's models/ layout below it).

    project: the project's models folder, read by the app (face swap), by the managed ComfyUI (its generated
    extra paths) and by a ComfyUI set up with `download_models.py --extra-model-paths`; comfyui: the managed
    ComfyUI's own models/ folder; `comfyui_dir`: the models/ folder of that ComfyUI.
    """
    if comfyui_dir:
        root = Path(comfyui_dir).expanduser()
        if not (root / "main.py").is_file():
            raise ModelsError(f"{root} holds no main.py; give the folder of a ComfyUI checkout.")
        return root / "models"
    if target == "comfyui":
        if config.comfyui.launch is None:
            raise ModelsError(
                "The target comfyui needs comfyui.launch (a managed ComfyUI) in the config; "
                "or give the ComfyUI folder with --comfyui DIR."
            )
        return Path(config.comfyui.launch.path) / "models"
    return models_dir(config)


def model_statuses(config: Config) -> list[ModelStatus]:
    """Every manifest entry with whether its file is on disk under the models folder."""
    try:
        entries = load_manifest()
    except InkframeError as exc:
        raise ModelsError(str(exc)) from exc
    root = models_dir(config)
    statuses = []
    for entry in entries:
        final = target_path(entry, root)
        part = final.with_name(final.name + ".part")
        if final.is_file():
            state, have = "present", final.stat().st_size
        elif part.is_file():
            state, have = "partial", part.stat().st_size
        else:
            state, have = "missing", 0
        statuses.append(
            ModelStatus(entry.name, entry.folder, state, entry.size, have, tuple(entry.used_by), entry.licence, final)
        )
    return statuses


def download(config: Config, name: str, progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Download (or resume) one manifest entry; `progress(done_bytes, total_bytes)` is called as it goes."""
    entries = {entry.name: entry for entry in load_manifest()}
    entry = entries.get(name)
    if entry is None:
        raise ModelsError(f"model {name!r} is not in models/manifest.yaml.")

    def factory(total: int | None = None, initial: int = 0, *_: Any, **__: Any) -> Any:
        return _ProgressSink(progress, total, initial)

    try:
        result = download_model(
            entry, models_dir(config), timeout=config.comfyui.timeouts.read, progress=factory if progress else None
        )
    except InkframeError as exc:
        raise ModelsError(str(exc)) from exc
    except OSError as exc:
        raise ModelsError(f"Cannot write {name} into {models_dir(config)}: {exc.strerror or exc}.") from exc
    return result.path


class _ProgressSink:
    """The tqdm-like object download_model updates, forwarding bytes to a callback."""

    def __init__(self, callback: Callable[[int, int | None], None] | None, total: int | None, initial: int) -> None:
        self.callback, self.total, self.done = callback, total, initial

    def update(self, n: int) -> None:
        self.done += n
        if self.callback:
            self.callback(self.done, self.total)

    def close(self) -> None:
        return None
