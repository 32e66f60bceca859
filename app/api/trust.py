"""What a REST request may point at: files only inside the studio's folders, URLs only of configured endpoints.

The API is reachable by anyone holding the token (or, on loopback without one, by any local program),
so job parameters that name a file or an endpoint are checked before anything is queued:

- a file (`workflow`, `script`, `library`, any `*_path`) must lie inside the studio's folders
  (outputs, library, workflows, data/uploads, data/workflows) after resolving `..` and symbolic links; the refusal is
  the same sentence whether or not the file exists, so it tells nothing about the disk;
- a URL (`comfyui_url`, `llm_url`, any `*_url`) must be one the config names (comfyui.url,
  comfyui.backends, llm.url), so no request can aim the worker (or the LLM key) at another server;
- ComfyUI prompt node ids are names, never paths (they become output file names).

The CLI is the machine's own user and is not limited by this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT, Config
from app.errors import InkframeError

PATH_KEYS = frozenset({"workflow", "script", "library"})
NODE_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
_NODE_ID = re.compile(NODE_ID_PATTERN)


class UntrustedParameter(InkframeError):
    """A request parameter naming a file or endpoint the studio does not serve; `field` is dotted."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def studio_roots(config: Config) -> dict[str, Path]:
    """The folders a request may name files in, by the name used in messages."""
    data = config.resolve(config.app.data_dir)
    return {
        "outputs": config.resolve(config.app.output_dir),
        "library": config.resolve(config.app.library_dir),
        "workflows": PROJECT_ROOT / "workflows",
        "uploads": data / "uploads",
        "your workflows": data / "workflows",
    }  # added in the Workflows tab (app.services.workflow_upload_service)


def configured_endpoints(config: Config) -> frozenset[str]:
    urls = [config.comfyui.url, *(backend.url for backend in config.comfyui.backends)]
    if config.llm.url:
        urls.append(config.llm.url)
    return frozenset(_normal_url(url) for url in urls)


def _normal_url(url: str) -> str:
    return url.strip().rstrip("/").lower()


def is_path_key(key: str) -> bool:
    return key in PATH_KEYS or key.endswith("_path")


def is_url_key(key: str) -> bool:
    return key.endswith("_url")


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    for root in roots:
        try:
            path.relative_to(root.resolve())
            return True
        except ValueError:
            continue
    return False


def check_path(value: Any, field: str, config: Config) -> None:
    roots = studio_roots(config)
    refusal = UntrustedParameter(
        f"{field} must name a path inside the studio's folders ({', '.join(roots)}); other paths are refused.",
        field=field,
    )
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise refusal
    raw = Path(value)
    if field.endswith(".workflow") and len(raw.parts) == 1 and raw.name not in ("..", "."):
        candidate = Path.cwd() / raw
        if not candidate.exists():
            return  # a library workflow by name (resolved inside workflows/)
    try:
        resolved = (raw if raw.is_absolute() else Path.cwd() / raw).resolve()
    except (OSError, RuntimeError):
        raise refusal from None
    if not _inside(resolved, list(roots.values())):
        raise refusal


def check_url(value: Any, field: str, config: Config) -> None:
    if value is None:
        return
    if not isinstance(value, str) or _normal_url(value) not in configured_endpoints(config):
        raise UntrustedParameter(
            f"{field} must be one of the endpoints config.yaml names (comfyui.url, comfyui.backends, "
            "llm.url); leave it out to use the configured one.",
            field=field,
        )


def check_parameters(kind: str, parameters: Mapping[str, Any], config: Config) -> None:
    """Raise UntrustedParameter for the first parameter that names an outside file or an unconfigured endpoint."""
    if kind == "prompt":
        for node_id in parameters.get("prompt") or {}:
            if not isinstance(node_id, str) or not _NODE_ID.match(node_id) or set(node_id) <= {"."}:
                raise UntrustedParameter(
                    f"parameters.prompt: node id {str(node_id)[:64]!r} must be letters, digits and "
                    "_ . : - (at most 64).",
                    field="parameters.prompt",
                )
    for key, value in parameters.items():
        field = f"parameters.{key}"
        if is_path_key(key):
            check_path(value, field, config)
        elif is_url_key(key):
            check_url(value, field, config)
