"""Read and verify a file's Content Credentials into a plain report (what `main.py provenance` prints).

States: `valid` (signature and content check out, signer on a configured trust list), `untrusted` (they
check out but the signer is not on a trust list: the studio's local identity always is), `tampered`
(the content or the manifest changed after signing), `unsigned` (no manifest; `note` says why when the
file states it), `unreadable` (not a file c2pa can open).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .facts import ASSERTION, INGREDIENTS_ASSERTION
from .formats import mime_for, read_statement, unsupported_reason
from .signing import offline_context

State = Literal["valid", "untrusted", "tampered", "unsigned", "unreadable"]
TRUST_CODES = frozenset({"signingCredential.untrusted"})
MAX_READ_BYTES = 4 * 1024 * 1024 * 1024


@dataclass
class IngredientInfo:
    title: str
    relationship: str
    role: str = ""
    sha256: str = ""
    signed: bool = False


@dataclass
class CredentialReport:
    path: Path
    state: State
    signer: str = ""
    issuer: str = ""
    actions: list[str] = field(default_factory=list)
    source_type: str = ""
    generation: dict = field(default_factory=dict)
    ingredients: list[IngredientInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    note: str = ""


def read_credentials(path: Path, trust_anchors: bytes | None = None) -> CredentialReport:
    if not path.is_file():
        return CredentialReport(path, "unreadable", note=f"{path} is not a file")
    mime = mime_for(path)
    if mime is None:
        return CredentialReport(path, "unsigned", note=read_statement(path) or unsupported_reason(path))
    if path.stat().st_size > MAX_READ_BYTES:
        return CredentialReport(path, "unreadable", note=f"{path.name} is larger than 4 GiB")
    with path.open("rb") as handle:
        report = read_stream(path, mime, handle, trust_anchors)
    if path.suffix.lower() == ".cbz" and report.state != "unsigned":
        _add_page_states(report, trust_anchors)
    return report


def read_stream(path: Path, mime: str, stream, trust_anchors: bytes | None = None) -> CredentialReport:
    """Verify the asset in `stream` (its name is `path`, its MIME type `mime`)."""
    import c2pa

    try:
        with c2pa.Reader(mime, stream, context=offline_context(trust_anchors)) as reader:
            manifest = reader.get_active_manifest() or {}
            results = reader.get_validation_results() or {}
            state_word = reader.get_validation_state() or ""
    except c2pa.C2paError.ManifestNotFound:
        note = (read_statement(path) if path.is_file() else None) or "no Content Credentials in the file"
        return CredentialReport(path, "unsigned", note=note)
    except c2pa.C2paError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CredentialReport(path, "tampered", problems=[first[:200]])
    return _report(path, manifest, results, state_word)


def _add_page_states(report: CredentialReport, trust_anchors: bytes | None) -> None:
    from .exports import cbz_page_states

    try:
        states = cbz_page_states(
            report.path,
            lambda name, data: read_stream(Path(name), mime_for(Path(name)) or "image/png", data, trust_anchors),
        )
    except (OSError, ValueError) as exc:
        report.problems.append(f"the archive's pages cannot be read ({exc})")
        report.state = "tampered"
        return
    bad = [f"{name}: {state}" for name, state in states if state not in ("valid", "untrusted")]
    report.note = f"{len(states) - len(bad)} of {len(states)} page images carry intact credentials"
    if bad:
        report.problems.extend(f"page {item}" for item in bad)
        report.state = "tampered"


def _report(path: Path, manifest: dict, results: dict, state_word: str) -> CredentialReport:
    active = results.get("activeManifest") or {}
    failures = [f for f in active.get("failure", []) if isinstance(f, dict)]
    problems = [f"{f.get('code')}: {f.get('explanation', '')}" for f in failures if f.get("code") not in TRUST_CODES]
    if problems or state_word.lower() == "invalid":
        state: State = "tampered"
    elif state_word.lower() == "trusted" or not failures:
        state = "valid"
    else:
        state = "untrusted"
    signature = manifest.get("signature_info") or {}
    report = CredentialReport(
        path,
        state,
        signer=str(signature.get("common_name") or ""),
        issuer=str(signature.get("issuer") or ""),
        problems=problems,
    )
    roles: dict[str, dict] = {}
    for assertion in manifest.get("assertions") or []:
        label, data = assertion.get("label", ""), assertion.get("data") or {}
        if label.startswith("c2pa.actions"):
            for action in data.get("actions", []):
                report.actions.append(str(action.get("action", "")))
                report.source_type = report.source_type or str(action.get("digitalSourceType", "")).rsplit("/", 1)[-1]
        elif label == ASSERTION:
            report.generation = dict(data)
        elif label == INGREDIENTS_ASSERTION:
            roles = {str(i.get("title")): i for i in data.get("ingredients", []) if isinstance(i, dict)}
            roles.update({f"#{n}": i for n, i in enumerate(data.get("ingredients", [])) if isinstance(i, dict)})
    for index, ingredient in enumerate(manifest.get("ingredients") or []):
        title = str(ingredient.get("title", ""))
        extra = roles.get(f"#{index}") or roles.get(title) or {}
        report.ingredients.append(
            IngredientInfo(
                title,
                str(ingredient.get("relationship", "")),
                str(extra.get("role", "")),
                str(extra.get("sha256", "")),
                bool(ingredient.get("active_manifest")),
            )
        )
    return report


def format_report(report: CredentialReport) -> list[str]:
    """Human-readable lines, first line `<file>: <state>`."""
    head = f"{report.path.name}: {report.state}"
    if report.state == "untrusted":
        head += " (signature intact; the signer is not on a trust list)"
    lines = [head]
    if report.signer:
        lines.append(f"  signed by: {report.signer} (issuer: {report.issuer})")
    if report.actions:
        lines.append(
            f"  actions: {', '.join(report.actions)}" + (f" [{report.source_type}]" if report.source_type else "")
        )
    if report.generation:
        lines.append(f"  details: {json.dumps(report.generation, sort_keys=True)}")
    for item in report.ingredients:
        role = f", {item.role}" if item.role else ""
        digest = f", sha256 {item.sha256[:16]}..." if item.sha256 else ""
        lines.append(
            f"  ingredient: {item.title} ({item.relationship}{role}{digest}"
            f"{', has credentials' if item.signed else ''})"
        )
    lines.extend(f"  problem: {problem}" for problem in report.problems)
    if report.note:
        lines.append(f"  note: {report.note}")
    return lines
