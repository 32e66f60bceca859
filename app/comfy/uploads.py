"""Multipart uploads to `/upload/image` and `/upload/mask`, with an explicit overwrite choice."""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path

from .errors import ComfyError
from .http import HttpTransport
from .results import UploadResult

log = logging.getLogger(__name__)

UploadSource = bytes | bytearray | str | Path
UPLOAD_TYPES = ("input", "temp", "output")


def read_upload(data_or_path: UploadSource, filename: str | None) -> tuple[bytes, str]:
    """Return (bytes, filename) for raw bytes (a filename is then required) or a file path."""
    if isinstance(data_or_path, (bytes, bytearray)):
        if not filename:
            raise ComfyError("uploading raw bytes needs a filename=...; pass the name ComfyUI should store.")
        return bytes(data_or_path), filename
    path = Path(data_or_path)
    try:
        return path.read_bytes(), filename or path.name
    except OSError as exc:
        raise ComfyError(f"cannot read {path} for upload: {exc.strerror or exc}; check the path.") from exc


def post_upload(
    http: HttpTransport,
    route: str,
    data_or_path: UploadSource,
    *,
    filename: str | None,
    subfolder: str,
    type: str,
    overwrite: bool,
    original_ref: Mapping[str, str] | None = None,
) -> UploadResult:
    if type not in UPLOAD_TYPES:
        raise ComfyError(f"upload type {type!r} is not allowed; use one of {', '.join(UPLOAD_TYPES)}.")
    data, name = read_upload(data_or_path, filename)
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        raise ComfyError(f"upload filename {name!r} must be a plain file name; put folders in subfolder=.")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    fields = {"type": type, "subfolder": subfolder, "overwrite": "true" if overwrite else "false"}
    if original_ref is not None:
        fields["original_ref"] = json.dumps(dict(original_ref))
    response = http.post(route, data=fields, files={"image": (name, data, mime)}, read_timeout=http.timeouts.upload)
    body = http.decode_json(http.check(response, "POST", route), "POST", route)
    result = UploadResult(
        str(body.get("name", name)), str(body.get("subfolder", subfolder)), str(body.get("type", type)), name
    )
    if result.renamed:
        log.warning("ComfyUI already had another %s; it stored the upload as %s", name, result.name)
    return result
