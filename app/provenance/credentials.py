"""The policy every output goes through: sign it, or say in the file why it is not signed.

- A format c2pa can embed into is signed (in place, or as bytes before the file is written).
- A format it cannot (WebM, MKV) gets a `C2PA` tag naming the reason; it is reported, never silent.
- A signing identity that cannot sign (missing, expired, wrong-type key or certificate) raises one
  sentence and the unsigned file is removed, unless `allow_unsigned` is on: then the file states
  "unsigned" in its own metadata and the reason is logged.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ProvenanceError, SigningIdentityError
from .facts import OutputFacts
from .formats import mime_for, unsupported_reason, write_statement
from .identity import SignerIdentity, ensure_local_identity, load_identity
from .signing import ManifestSigner

log = logging.getLogger(__name__)
Outcome = Literal["signed", "unsupported", "unsigned"]
UNSIGNED_TEXT = "unsigned: provenance.allow_unsigned is on and signing failed ({reason})"


@dataclass(frozen=True)
class ProvenanceSettings:
    identity_dir: Path  # where the local identity lives (data folder)
    cert: Path | None = None
    key: Path | None = None
    allow_unsigned: bool = False
    timestamp_url: str | None = None
    version: str = "0"


@dataclass(frozen=True)
class StampResult:
    path: Path
    outcome: Outcome
    note: str = ""


class Credentials:
    """Signs outputs with one identity; thread-safe, the identity is loaded (or made) on first use."""

    def __init__(self, settings: ProvenanceSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._signer: ManifestSigner | None = None

    def identity(self) -> SignerIdentity:
        return self.signer().identity

    def signer(self) -> ManifestSigner:
        with self._lock:
            if self._signer is None:
                s = self.settings
                if (s.cert is None) != (s.key is None):
                    raise SigningIdentityError(
                        "provenance.cert and provenance.key must be set together; "
                        "set both in config.yaml or neither (for the local identity)."
                    )
                identity = load_identity(s.cert, s.key) if s.cert and s.key else ensure_local_identity(s.identity_dir)
                self._signer = ManifestSigner(identity, version=s.version, timestamp_url=s.timestamp_url)
            return self._signer

    def stamp_bytes(self, data: bytes, name: str, facts: OutputFacts) -> bytes:
        """Signed bytes for a file about to be written as `name`; unsupported formats come back unchanged
        (call stamp_file after writing them so they get their statement)."""
        mime = mime_for(Path(name))
        if mime is None:
            return data
        try:
            return self.signer().sign_bytes(data, mime, facts, Path(name).name)
        except ProvenanceError as exc:
            if not self.settings.allow_unsigned:
                raise
            log.warning("writing %s unsigned: %s", name, exc)
            return data

    def stamp_file(self, path: Path, facts: OutputFacts) -> StampResult:
        if mime_for(path) is None:
            reason = unsupported_reason(path)
            stated = _state(path, f"not signed: {reason}")
            log.warning(
                "%s carries no Content Credentials: %s%s",
                path.name,
                reason,
                "" if stated else " (and the format has no place to say so)",
            )
            return StampResult(path, "unsupported", reason)
        try:
            self.signer().sign_file(path, facts)
        except ProvenanceError as exc:
            if not self.settings.allow_unsigned:
                path.unlink(missing_ok=True)
                raise ProvenanceError(
                    f"{exc} The unsigned {path.name} was removed; fix that, or set "
                    "provenance.allow_unsigned: true to keep outputs unsigned."
                ) from None
            text = UNSIGNED_TEXT.format(reason=str(exc).rstrip("."))
            stated = _state(path, text)
            log.warning("wrote %s unsigned: %s%s", path.name, exc, "" if stated else " (format has no place to say so)")
            return StampResult(path, "unsigned", text)
        return StampResult(path, "signed")


def _state(path: Path, text: str) -> bool:
    """Write the statement into the file; a failure (ffmpeg missing, disk full) is logged, not raised."""
    try:
        return write_statement(path, text)
    except (OSError, ValueError) as exc:
        log.warning("could not write the C2PA statement into %s: %s", path.name, exc)
        return False
