"""Content Credentials as a use case: every place that writes an output calls `stamp_output` (or
`stamp_bytes` before writing); the CLI, the UI and the API read them back with `describe`.

    stamp_output(path, generated(workflow="txt2img.json", models=("sd15.safetensors",), seed=7), config)

One `Credentials` (identity + c2pa signer) is kept per distinct provenance setting, made on first use;
without a config argument the one given to `use_config` (the CLI's `--config`) is used, else config.yaml.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from typing import TYPE_CHECKING

from ..config import Config, load_config

if TYPE_CHECKING:  # c2pa and cryptography load on first use, so `use_config` stays cheap for the CLI
    from ..provenance import CredentialReport, Credentials, OutputFacts, ProvenanceSettings, StampResult

LOCAL_IDENTITY_DIR = "provenance"
STUDIO_VERSION = "0.1"
UNTRUSTED_EXPLAINED = (
    "\"Untrusted signer\" means the signature and the content check out, but the certificate that signed them "
    "is not on a trust list a verifier knows: the studio's own local identity never is. It still proves the file "
    "is unchanged since this studio signed it. To be named as a trusted signer, set provenance.cert and "
    "provenance.key to a certificate from a CA on the C2PA trust list (see docs/provenance.md).")

_lock = threading.Lock()
_credentials: dict["ProvenanceSettings", "Credentials"] = {}
_default_config: Config | None = None


def use_config(config: Config) -> None:
    """The config hooks without a config argument use (the CLI sets the one `--config` named)."""
    global _default_config
    with _lock:
        _default_config = config


def settings_from_config(config: Config) -> ProvenanceSettings:
    from ..provenance import ProvenanceSettings

    section = config.provenance
    return ProvenanceSettings(
        identity_dir=config.resolve(config.app.data_dir) / LOCAL_IDENTITY_DIR,
        cert=config.resolve(section.cert) if section.cert else None,
        key=config.resolve(section.key) if section.key else None,
        allow_unsigned=section.allow_unsigned, timestamp_url=section.timestamp_url, version=STUDIO_VERSION)


def credentials_for(config: Config | None = None) -> Credentials:
    from ..provenance import Credentials

    settings = settings_from_config(config or _config())
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


def stamp_export(files: Mapping[str, Sequence[Path | str]], art: Mapping[tuple[int, int], object],
                 config: Config | None = None) -> list[StampResult]:
    """Sign what a comic export wrote (PNG pages, each CBZ page and the archive, the PDF, webtoon slices)."""
    from ..provenance.exports import stamp_export as stamp

    return stamp(credentials_for(config), files, art)


def describe(path: Path, config: Config | None = None) -> CredentialReport:
    from ..provenance import read_credentials

    config = config or _config()
    anchors = config.resolve(config.provenance.trust_anchors) if config.provenance.trust_anchors else None
    trust = anchors.read_bytes()[:1 << 20] if anchors and anchors.is_file() else None
    return read_credentials(Path(path), trust)


def credential_rows(paths: Sequence[Path], config: Config | None = None, limit: int = 50) -> list[dict]:
    """What the UI shows per output: file, state, signer, actions, ingredients (at most `limit` files)."""
    rows = []
    for path in list(paths)[:limit]:
        report = describe(Path(path), config)
        rows.append({"file": Path(path).name, "state": report.state, "signer": report.signer,
                     "actions": report.actions, "ingredients": [f"{i.title} ({i.role or i.relationship})" for i in report.ingredients],
                     **({"problems": report.problems} if report.problems else {}), **({"note": report.note} if report.note else {})})
    return rows


def settings_text(config: Config) -> str:
    """How outputs are signed, from the config alone (nothing is read or created)."""
    section = config.provenance
    who = (f"your certificate {section.cert.name}" if section.cert else
           "this studio's local identity, which verifiers show as an \"untrusted signer\": the file is intact and "
           "marked as AI-made, but no certificate authority vouches for who signed it; set provenance.cert and "
           "provenance.key to your own certificate to change that (docs/provenance.md)")
    unsigned = "; outputs are written unsigned (and say so) when signing fails" if section.allow_unsigned else ""
    return f"every output is signed with C2PA Content Credentials by {who}{unsigned}"


def signer_summary(config: Config | None = None) -> str:
    """One line for the UI: who signs outputs, and whether verifiers will call it untrusted."""
    identity = credentials_for(config).identity()
    if identity.local:
        return (f"Outputs are signed by this studio's local identity \"{identity.subject}\" (an untrusted signer "
                f"until you configure your own certificate).")
    return f"Outputs are signed as \"{identity.subject}\" (issued by {identity.issuer}, valid until {identity.not_after:%Y-%m-%d})."


def _config() -> Config:
    global _default_config
    with _lock:
        if _default_config is None:
            _default_config = load_config()
        return _default_config

