"""The studio's signer: every place that writes an output calls `stamp_output` (or `stamp_bytes` before
writing, `stamp_export` after a comic export), from any layer that writes outputs (book, jobs, services).

    stamp_output(path, generated(workflow="txt2img.json", models=("sd15.safetensors",), seed=7), config)

One `Credentials` (identity + c2pa signer) is kept per distinct provenance setting, made on first use;
without a config argument the one given to `use_config` (the CLI's `--config`) is used, else config.yaml.
The rest of this package is pure of the config model; this module binds it to the studio's config.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, load_config

if TYPE_CHECKING:  # c2pa and cryptography load on first use, so `use_config` stays cheap for the CLI
    from . import Credentials, OutputFacts, ProvenanceSettings, StampResult

LOCAL_IDENTITY_DIR = "provenance"
STUDIO_VERSION = "0.1"

_lock = threading.Lock()
_credentials: dict[ProvenanceSettings, Credentials] = {}
_default_config: Config | None = None


def use_config(config: Config) -> None:
    """The config hooks without a config argument use (the CLI sets the one `--config` named)."""
    global _default_config
    with _lock:
        _default_config = config


def settings_from_config(config: Config) -> ProvenanceSettings:
    from . import ProvenanceSettings

    section = config.provenance
    return ProvenanceSettings(
        identity_dir=config.resolve(config.app.data_dir) / LOCAL_IDENTITY_DIR,
        cert=config.resolve(section.cert) if section.cert else None,
        key=config.resolve(section.key) if section.key else None,
        allow_unsigned=section.allow_unsigned,
        timestamp_url=section.timestamp_url,
        version=STUDIO_VERSION,
    )


def credentials_for(config: Config | None = None) -> Credentials:
    from . import Credentials

    settings = settings_from_config(config or default_config())
    with _lock:
        if settings not in _credentials:
            _credentials[settings] = Credentials(settings)
        return _credentials[settings]


def stamp_output(path: Path, facts: OutputFacts, config: Config | None = None) -> StampResult:
    """Sign a written output in place (or state in it why not); raises ProvenanceError on a bad identity."""
    return credentials_for(config).stamp_file(Path(path), facts)


def stamp_bytes(data: bytes, name: str, facts: OutputFacts, config: Config | None = None) -> bytes:
    """Signed bytes of an output about to be written as `name` (formats c2pa cannot embed into: unchanged)."""
    return credentials_for(config).stamp_bytes(data, name, facts)


def stamp_export(
    files: Mapping[str, Sequence[Path | str]], art: Mapping[tuple[int, int], object], config: Config | None = None
) -> list[StampResult]:
    """Sign what a comic export wrote (PNG pages, each CBZ page and the archive, the PDF, webtoon slices)."""
    from .exports import stamp_export as stamp

    return stamp(credentials_for(config), files, art)


def default_config() -> Config:
    global _default_config
    with _lock:
        if _default_config is None:
            _default_config = load_config()
        return _default_config
