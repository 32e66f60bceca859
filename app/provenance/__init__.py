"""Content Credentials (C2PA): who signs, what a manifest says, signing and verifying outputs.

Pure of the UI, ComfyUI and the config model: services build `ProvenanceSettings` from the config and
call `Credentials.stamp_file` / `stamp_bytes` where outputs are written; `read_credentials` verifies.
"""

from .credentials import Credentials, ProvenanceSettings, StampResult
from .errors import ProvenanceError, SigningIdentityError
from .facts import (
    Ingredient,
    OutputFacts,
    composed,
    edited,
    face_swap,
    facts_from_output,
    facts_from_prompt,
    generated,
    motion,
    restyled,
)
from .identity import SignerIdentity, ensure_local_identity, identity_from_pem, load_identity, make_chain
from .reading import CredentialReport, format_report, read_credentials

__all__ = [
    "CredentialReport",
    "Credentials",
    "Ingredient",
    "OutputFacts",
    "ProvenanceError",
    "ProvenanceSettings",
    "SignerIdentity",
    "SigningIdentityError",
    "StampResult",
    "composed",
    "edited",
    "ensure_local_identity",
    "face_swap",
    "facts_from_output",
    "facts_from_prompt",
    "motion",
    "restyled",
    "format_report",
    "generated",
    "identity_from_pem",
    "load_identity",
    "make_chain",
    "read_credentials",
]
