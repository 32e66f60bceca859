"""Model files: where each one goes, its checksum, licence and source, and checks before loading.

The catalogue comes from the project's models manifest (fields name, folder, url, sha256, size, licence).
A missing file is one sentence saying which file, where it goes, where to get it and its licence; a file
whose sha256 differs from the manifest is refused (corrupt or mismatched download).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelFileError

# The face-swap roles and the manifest entry each one uses by default.
ROLE_DEFAULTS: dict[str, str] = {
    "detector": "det_10g.onnx",
    "recognition": "w600k_r50.onnx",
    "genderage": "genderage.onnx",
    "swapper": "inswapper_128.onnx",
    "gfpgan": "GFPGANv1.4.pth",
}


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the models manifest."""

    name: str
    folder: str
    url: str = ""
    sha256: str | None = None
    size: int | None = None
    licence: str = "see the model's source"


def spec_from_entry(entry: dict[str, Any]) -> ModelSpec:
    """Build a ModelSpec from one manifest mapping (unknown keys are ignored)."""
    try:
        return ModelSpec(
            name=str(entry["name"]),
            folder=str(entry.get("folder", "")),
            url=str(entry.get("url") or ""),
            sha256=(str(entry["sha256"]).lower() if entry.get("sha256") else None),
            size=int(entry["size"]) if entry.get("size") else None,
            licence=str(entry.get("licence") or entry.get("license") or "see the model's source"),
        )
    except KeyError as exc:
        raise ModelFileError(f"a models manifest entry has no {exc.args[0]!r}: {entry!r}; add it.") from None


class ModelCatalog:
    """Resolves model names to verified files under a models root."""

    def __init__(self, root: Path, specs: list[ModelSpec], verify: bool = True) -> None:
        self.root = Path(root)
        self.specs = {spec.name: spec for spec in specs}
        self.verify = verify
        self._verified: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise ModelFileError(
                f"model {name!r} is not in the models manifest; add an entry for it "
                f"(known: {', '.join(sorted(self.specs)) or 'none'})."
            ) from None

    def path_of(self, name: str) -> Path:
        spec = self.spec(name)
        return self.root / spec.folder / spec.name

    def exists(self, name: str) -> bool:
        return name in self.specs and self.path_of(name).is_file()

    def require(self, name: str) -> Path:
        """The verified path of a model, or ModelFileError with the fix."""
        spec = self.spec(name)
        path = self.path_of(name)
        if not path.is_file():
            source = f"download it from {spec.url}" if spec.url else "obtain it from its publisher"
            raise ModelFileError(
                f"model file {spec.name} is missing: put it at {path} ({source}; licence: {spec.licence})."
            )
        if self.verify and spec.sha256:
            self._check_sha256(spec, path)
        return path

    def _check_sha256(self, spec: ModelSpec, path: Path) -> None:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if self._verified.get(key) == spec.sha256:
                return
        if spec.size is not None and stat.st_size != spec.size:
            raise ModelFileError(
                f"model file {path} has {stat.st_size} bytes but the manifest expects {spec.size}; "
                f"the download is incomplete or the wrong file: fetch it again from {spec.url or 'its source'}."
            )
        digest = sha256_of(path)
        if digest != spec.sha256:
            raise ModelFileError(
                f"model file {path} is corrupt or not the expected model (sha256 {digest[:12]}..., "
                f"manifest {(spec.sha256 or '')[:12]}...); fetch it again from {spec.url or 'its source'}."
            )
        with self._lock:
            self._verified[key] = digest


def catalog_from_manifest(manifest: Path, root: Path, names: set[str] | None = None) -> ModelCatalog:
    """A catalogue of the face-swap entries (or `names`) of a models manifest (`models:` list), rooted at `root`."""
    import yaml

    try:
        data = yaml.safe_load(Path(manifest).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ModelFileError(
            f"the models manifest {manifest} cannot be read ({exc.__class__.__name__}); restore it from git."
        ) from None
    entries = data.get("models", []) if isinstance(data, dict) else []
    wanted = set(ROLE_DEFAULTS.values()) if names is None else names
    return ModelCatalog(root, [spec_from_entry(e) for e in entries if isinstance(e, dict) and e.get("name") in wanted])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
