"""Content Credentials as a use case: the CLI, the UI and the API read them back with `describe`.

Signing lives in `app/provenance/stamping.py` (every layer that writes outputs calls it there); it is
re-exported here for the entry points and the services (`use_config`: the CLI's `--config`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..provenance.stamping import (
    LOCAL_IDENTITY_DIR,
    STUDIO_VERSION,
    credentials_for,
    default_config,
    settings_from_config,
    stamp_bytes,
    stamp_export,
    stamp_output,
    use_config,
)

if TYPE_CHECKING:
    from ..provenance import CredentialReport

__all__ = [
    "LOCAL_IDENTITY_DIR",
    "STUDIO_VERSION",
    "UNTRUSTED_EXPLAINED",
    "credential_rows",
    "credentials_for",
    "describe",
    "format_report",
    "settings_from_config",
    "settings_text",
    "signer_summary",
    "stamp_bytes",
    "stamp_export",
    "stamp_output",
    "use_config",
]

UNTRUSTED_EXPLAINED = (
    '"Untrusted signer" means the signature and the content check out, but the certificate that signed them '
    "is not on a trust list a verifier knows: the studio's own local identity never is. It still proves the file "
    "is unchanged since this studio signed it. To be named as a trusted signer, set provenance.cert and "
    "provenance.key to a certificate from a CA on the C2PA trust list (see docs/provenance.md)."
)


def describe(path: Path, config: Config | None = None) -> CredentialReport:
    from ..provenance import read_credentials

    config = config or default_config()
    anchors = config.resolve(config.provenance.trust_anchors) if config.provenance.trust_anchors else None
    trust = anchors.read_bytes()[: 1 << 20] if anchors and anchors.is_file() else None
    return read_credentials(Path(path), trust)


def credential_rows(paths: Sequence[Path], config: Config | None = None, limit: int = 50) -> list[dict]:
    """What the UI shows per output: file, state, signer, actions, ingredients (at most `limit` files)."""
    rows = []
    for path in list(paths)[:limit]:
        report = describe(Path(path), config)
        rows.append(
            {
                "file": Path(path).name,
                "state": report.state,
                "signer": report.signer,
                "actions": report.actions,
                "ingredients": [f"{i.title} ({i.role or i.relationship})" for i in report.ingredients],
                **({"problems": report.problems} if report.problems else {}),
                **({"note": report.note} if report.note else {}),
            }
        )
    return rows


def format_report(report: CredentialReport) -> list[str]:
    """A credential report as the command line prints it, line by line."""
    from ..provenance import format_report as format_text

    return format_text(report)


def settings_text(config: Config) -> str:
    """How outputs are signed, from the config alone (nothing is read or created)."""
    section = config.provenance
    who = (
        f"your certificate {section.cert.name}"
        if section.cert
        else 'this studio\'s local identity, which verifiers show as an "untrusted signer": the file is intact and '
        "marked as AI-made, but no certificate authority vouches for who signed it; set provenance.cert and "
        "provenance.key to your own certificate to change that (docs/provenance.md)"
    )
    unsigned = "; outputs are written unsigned (and say so) when signing fails" if section.allow_unsigned else ""
    return f"every output is signed with C2PA Content Credentials by {who}{unsigned}"


def signer_summary(config: Config | None = None) -> str:
    """One line for the UI: who signs outputs, and whether verifiers will call it untrusted."""
    identity = credentials_for(config).identity()
    if identity.local:
        return (
            f'Outputs are signed by this studio\'s local identity "{identity.subject}" (an untrusted signer '
            f"until you configure your own certificate)."
        )
    return (
        f'Outputs are signed as "{identity.subject}" (issued by {identity.issuer}, '
        f"valid until {identity.not_after:%Y-%m-%d})."
    )
