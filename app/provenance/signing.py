"""Sign bytes or a file with a C2PA manifest (c2pa-python), offline: no thumbnails, no network fetches."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import BinaryIO

from .errors import ProvenanceError, SigningIdentityError
from .facts import OutputFacts, build_manifest, ingredient_json, sha256_file
from .formats import mime_for
from .identity import SignerIdentity

OFFLINE_SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
}
MAX_INGREDIENT_BYTES = 512 * 1024 * 1024
IN_MEMORY_BYTES = 256 * 1024 * 1024


def offline_context(trust_anchors: bytes | None = None):
    import c2pa

    settings = dict(OFFLINE_SETTINGS)
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors.decode("ascii", "replace")}
    return c2pa.Context(settings=c2pa.Settings.from_dict(settings))


class ManifestSigner:
    """One identity, one c2pa context; `sign_bytes` / `sign_file` put a manifest into an asset."""

    def __init__(self, identity: SignerIdentity, *, version: str = "0", timestamp_url: str | None = None) -> None:
        import c2pa

        self.identity = identity
        self.version = version
        self._context = offline_context()
        self._lock = threading.Lock()
        try:
            info = c2pa.C2paSignerInfo(
                identity.alg.encode(),
                identity.chain_pem,
                identity.key_pem,
                timestamp_url.encode() if timestamp_url else None,
            )
            self._signer = c2pa.Signer.from_info(info)
        except c2pa.C2paError as exc:
            raise SigningIdentityError(f"the signing key or certificate was refused by c2pa ({_short(exc)}).") from None

    def sign_bytes(self, data: bytes, mime: str, facts: OutputFacts, title: str) -> bytes:
        out = io.BytesIO()
        self.sign_stream(io.BytesIO(data), out, mime, facts, title)
        return out.getvalue()

    def sign_file(self, path: Path, facts: OutputFacts) -> Path:
        """Sign `path` in place (temporary file, then rename; files over 256 MiB are streamed); other metadata
        (PNG chunks) is kept."""
        mime = mime_for(path)
        if mime is None:
            raise ProvenanceError(f"{path.name} is not a format this studio can sign.")
        temporary = path.with_name(f".{path.name}.c2pa.part")
        try:
            if path.stat().st_size <= IN_MEMORY_BYTES:  # c2pa works 2-3x faster on memory than on file streams
                temporary.write_bytes(self.sign_bytes(path.read_bytes(), mime, facts, path.name))
            else:
                with path.open("rb") as source, temporary.open("w+b") as target:
                    self.sign_stream(source, target, mime, facts, path.name)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return path

    def sign_stream(self, source: BinaryIO, target: BinaryIO, mime: str, facts: OutputFacts, title: str) -> None:
        import c2pa

        hashes = {index: sha256_file(item.path) for index, item in enumerate(facts.ingredients) if item.path.is_file()}
        manifest = build_manifest(facts, title, self.version, hashes)
        streamed = [i for i, item in enumerate(facts.ingredients) if _streamable(item.path)]
        manifest["ingredients"] = [
            ingredient_json(item, i, "application/octet-stream")
            for i, item in enumerate(facts.ingredients)
            if i not in streamed
        ]
        try:
            with c2pa.Builder(manifest, self._context) as builder:
                for index in streamed:
                    item = facts.ingredients[index]
                    kind = mime_for(item.path) or ""
                    with item.path.open("rb") as handle:
                        builder.add_ingredient(ingredient_json(item, index, kind), kind, handle)
                with self._lock:  # one signer, shared by the queue's worker threads
                    builder.sign(self._signer, mime, source, target)
        except c2pa.C2paError as exc:
            raise ProvenanceError(f"{title} could not be signed ({_short(exc)}).") from None
        except OSError as exc:
            raise ProvenanceError(f"{title} could not be signed ({exc.strerror or exc}).") from None


def _streamable(path: Path) -> bool:
    """Ingredients c2pa can open (it then also reads any credentials they carry); others are named only."""
    return mime_for(path) is not None and path.is_file() and path.stat().st_size <= MAX_INGREDIENT_BYTES


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
