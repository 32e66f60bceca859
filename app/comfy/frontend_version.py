"""Which frontend version a ComfyUI server serves (its conversion rules are the ones a workflow follows).

ComfyUI 0.3.x does not report the served frontend directly: `/system_stats` has `required_frontend_version`
(the package its requirements pin, what it serves by default) and its command line (`argv`), where
`--front-end-version owner/repo@X.Y.Z` names another one and `--front-end-root DIR` serves a folder. Newer
servers may add a `comfyui_frontend_version` field. So, in order:
1. a frontend-version field of `/system_stats`;
2. `--front-end-version ...@X.Y.Z` in its argv;
3. the served bundle itself: `/` names its entry module, whose text (or the `main-*.js` chunk it maps) holds
   the version (`frontend_version:"1.58.1"`, `app_version: "1.27.10"`, ...), read with a size cap;
4. `required_frontend_version`, unless `--front-end-root` says the served files are something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ComfyError
from .http import HttpTransport

INDEX_LIMIT = 512 * 1024
BUNDLE_LIMIT = 16 * 1024 * 1024
_STATS_FIELDS = ("comfyui_frontend_version", "frontend_version", "installed_frontend_version")
_VERSION = r"v?(\d+\.\d+\.\d+)"
_ENTRY = re.compile(r"""<script[^>]*type=["']module["'][^>]*src=["']([^"']+\.js)["']""", re.IGNORECASE)
_CHUNK = re.compile(r"""["'](\./main-[A-Za-z0-9_-]+\.js)["']""")
_IN_BUNDLE = (
    re.compile(r"frontend_version\s*:\s*[`'\"]" + _VERSION),
    re.compile(r"frontendVersion\s*=\s*[`'\"]" + _VERSION),
    re.compile(r"app_version\s*:\s*[`'\"]" + _VERSION),
    re.compile(r"ComfyUI_frontend v" + _VERSION),
)


@dataclass(frozen=True)
class FrontendVersion:
    """The version (None: unknown) and where it was read."""

    version: str | None
    source: str


def detect_frontend_version(http: HttpTransport, stats: dict[str, Any] | None = None) -> FrontendVersion:
    """The frontend version the server behind `http` serves (see the module's docstring for how)."""
    if stats is None:
        try:
            stats = http.get_json("/system_stats")
        except ComfyError:
            stats = {}
    system = (stats or {}).get("system") or {}
    for name in _STATS_FIELDS:
        if _plain_version(system.get(name)):
            return FrontendVersion(_plain_version(system.get(name)), f"system_stats.{name}")
    argv = [str(a) for a in system.get("argv") or []]
    pinned = _argv_value(argv, "--front-end-version")
    if pinned and "@" in pinned and _plain_version(pinned.rsplit("@", 1)[1]):
        return FrontendVersion(_plain_version(pinned.rsplit("@", 1)[1]), "--front-end-version")
    served = _probe_bundle(http)
    if served:
        return FrontendVersion(served, "served bundle")
    required = _plain_version(system.get("required_frontend_version"))
    if required and pinned is None and _argv_value(argv, "--front-end-root") is None:
        return FrontendVersion(required, "system_stats.required_frontend_version")
    return FrontendVersion(None, "unknown")


def _plain_version(value: Any) -> str | None:
    match = re.fullmatch(_VERSION, str(value).strip()) if isinstance(value, str) else None
    return match.group(1) if match else None


def _argv_value(argv: list[str], flag: str) -> str | None:
    for index, item in enumerate(argv):
        if item == flag and index + 1 < len(argv):
            return argv[index + 1]
        if item.startswith(flag + "="):
            return item.split("=", 1)[1]
    return None


def _fetch_text(http: HttpTransport, path: str, limit: int) -> str:
    """The body of GET path, at most `limit` bytes ("" when it is missing or fails)."""
    try:
        response = http.get(path, retry=False)
    except ComfyError:
        return ""
    try:
        if response.status_code != 200:
            return ""
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            return ""
        return response.content[:limit].decode("utf-8", errors="replace")
    finally:
        response.close()


def _probe_bundle(http: HttpTransport) -> str | None:
    index = _fetch_text(http, "/", INDEX_LIMIT)
    match = _ENTRY.search(index)
    if match is None:
        return None
    entry_path = "/" + match.group(1).lstrip("./").lstrip("/")
    entry = _fetch_text(http, entry_path, BUNDLE_LIMIT)
    found = _version_in(entry)
    if found:
        return found
    chunk = _CHUNK.search(entry)
    if chunk is None:
        return None
    folder = entry_path.rsplit("/", 1)[0]
    return _version_in(_fetch_text(http, f"{folder}/{chunk.group(1)[2:]}", BUNDLE_LIMIT))


def _version_in(text: str) -> str | None:
    for pattern in _IN_BUNDLE:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None
