"""Resumable, sha256-verified model downloads into ComfyUI's models/ layout, and the
extra_model_paths.yaml that points an existing ComfyUI at them (and at this repo's node pack)."""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import WorkflowError
from .manifest import ModelEntry

CHUNK = 1 << 20
# Folders users drop their own files into (LoRAs for the panel workflow, VAEs, embeddings).
STANDARD_FOLDERS = ("checkpoints", "loras", "vae", "embeddings", "controlnet", "clip_vision", "upscale_models")
REPO_ROOT = Path(__file__).resolve().parents[2]
_DNS_MARKERS = (
    "NameResolutionError",
    "Name or service not known",
    "Temporary failure in name resolution",
    "nodename nor servname",
    "getaddrinfo failed",
    "No address associated with hostname",
)


@dataclass(frozen=True)
class DownloadResult:
    entry: ModelEntry
    path: Path
    status: str  # "downloaded" | "present" | "resumed"
    verified: bool


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def network_sentence(exc: BaseException, url: str, name: str) -> str:
    """One sentence for a failed request (never the raw `HTTPSConnectionPool(...): Max retries ...` text)."""
    import requests

    host = urllib.parse.urlsplit(url).netloc or url
    text = " ".join(str(part) for part in (exc, getattr(exc, "__context__", None)) if part)
    if any(marker in text for marker in _DNS_MARKERS):
        why = f"the host name {host} cannot be resolved (this computer looks offline, or its DNS does not answer)"
    elif isinstance(exc, requests.ConnectTimeout):
        why = f"the connection to {host} timed out"
    elif isinstance(exc, requests.ReadTimeout):
        why = f"{host} stopped answering"
    elif isinstance(exc, requests.exceptions.SSLError):
        why = f"the secure connection to {host} failed (check the system clock and any proxy)"
    elif isinstance(exc, requests.exceptions.ProxyError):
        why = f"the proxy refused the connection to {host} (check HTTPS_PROXY)"
    elif "refused" in text.lower():
        why = f"{host} refused the connection"
    elif isinstance(exc, requests.ConnectionError):
        why = f"{host} cannot be reached (no network?)"
    else:
        why = f"the request to {host} failed ({exc.__class__.__name__})"
    return f"Cannot download {name}: {why}; check the connection and run the command again."


def target_path(entry: ModelEntry, dest: Path) -> Path:
    return dest / entry.folder / entry.name


def download_model(
    entry: ModelEntry,
    dest: Path,
    *,
    session: Any = None,
    token: str | None = None,
    timeout: float = 30.0,
    progress: Callable[[int, int | None, int], Any] | None = None,
) -> DownloadResult:
    """Fetch one entry to dest/folder/name, resuming dest/folder/name.part with an HTTP Range request.

    A connection cut keeps the .part file (the next run resumes it); a checksum mismatch removes it
    and raises WorkflowError. `progress(total, initial)` returns an object with update(n)/close().
    """
    import requests

    final = target_path(entry, dest)
    if final.is_file():
        if entry.sha256 and sha256_of(final) != entry.sha256:
            raise WorkflowError(
                f"{final} exists but its sha256 differs from the manifest; delete it to download {entry.name} again."
            )
        return DownloadResult(entry, final, "present", bool(entry.sha256))
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": "inkframe-studio/0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if have:
        headers["Range"] = f"bytes={have}-"
    http = session or requests.Session()
    try:
        response = http.get(entry.url, headers=headers, stream=True, timeout=(timeout, timeout), allow_redirects=True)
    except requests.RequestException as exc:
        raise WorkflowError(network_sentence(exc, entry.url, entry.name)) from None
    with response:
        if response.status_code == 416 and have:
            status = "resumed"  # the .part already holds every byte
        elif response.status_code in (401, 403):
            raise WorkflowError(
                f"{entry.url} refused the download of {entry.name} (HTTP {response.status_code}); "
                "accept the model's licence on its page and set HF_TOKEN."
            )
        elif response.status_code not in (200, 206):
            raise WorkflowError(f"{entry.url} answered HTTP {response.status_code} for {entry.name}.")
        else:
            resumed = response.status_code == 206 and have > 0
            if not resumed:
                have = 0
            status = "resumed" if resumed else "downloaded"
            length = response.headers.get("Content-Length")
            total = (have + int(length)) if length and length.isdigit() else entry.size
            bar = progress(total or 0, have) if progress else None
            try:
                with part.open("ab" if resumed else "wb") as handle:
                    for block in response.iter_content(CHUNK):
                        handle.write(block)
                        if bar is not None:
                            bar.update(len(block))
            except requests.RequestException as exc:
                raise WorkflowError(
                    f"The download of {entry.name} was cut after {part.stat().st_size} bytes "
                    f"({exc.__class__.__name__}); run the command again to resume it."
                ) from None
            finally:
                if bar is not None:
                    bar.close()
    size = part.stat().st_size
    if entry.size and size != entry.size:
        if size < entry.size:
            raise WorkflowError(
                f"The download of {entry.name} stopped at {size} of {entry.size} bytes; "
                "run the command again to resume it."
            )
        part.unlink()
        raise WorkflowError(
            f"{entry.name} is {size} bytes, not the {entry.size} the manifest expects; the partial file was removed."
        )
    if entry.sha256:
        actual = sha256_of(part)
        if actual != entry.sha256:
            part.unlink()
            raise WorkflowError(
                f"{entry.name} failed its checksum "
                f"(sha256 {actual[:12]}... instead of {entry.sha256[:12]}...); "
                "the corrupt file was removed, run the command again."
            )
    part.replace(final)
    return DownloadResult(entry, final, status, bool(entry.sha256))


def extra_model_paths(
    entries: list[ModelEntry], models_dir: Path, custom_nodes_dir: Path | None = None
) -> dict[str, Any]:
    """The `inkframe:` section of ComfyUI's extra_model_paths.yaml."""
    section: dict[str, Any] = {"base_path": str(models_dir.resolve())}
    folders = {e.folder.replace("\\", "/").split("/")[0] for e in entries} | set(STANDARD_FOLDERS)
    for folder in sorted(folders):  # ComfyUI's keys are the top-level model folders
        section[folder] = folder
    section["custom_nodes"] = str((custom_nodes_dir or REPO_ROOT / "custom_nodes").resolve())
    return {"inkframe": section}


def write_extra_model_paths(
    comfyui_dir: Path, entries: list[ModelEntry], models_dir: Path, custom_nodes_dir: Path | None = None
) -> Path:
    """Write (or update the `inkframe:` section of) COMFYUI_DIR/extra_model_paths.yaml, keeping other sections."""
    import yaml

    if not comfyui_dir.is_dir():
        raise WorkflowError(f"ComfyUI folder {comfyui_dir} does not exist.")
    target = comfyui_dir / "extra_model_paths.yaml"
    existing: dict[str, Any] = {}
    if target.is_file():
        try:
            existing = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise WorkflowError(f"{target} is not valid YAML; fix or remove it first.") from None
        if not isinstance(existing, dict):
            raise WorkflowError(f"{target} does not hold a mapping; fix or remove it first.")
    existing.update(extra_model_paths(entries, models_dir, custom_nodes_dir))
    target.write_text(
        "# Written by Inkframe Studio's scripts/download_models.py\n" + yaml.safe_dump(existing, sort_keys=False),
        encoding="utf-8",
    )
    return target
