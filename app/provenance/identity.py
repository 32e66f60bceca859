"""Who signs: the user's own certificate + key, or a local identity made on first use.

C2PA wants an end-entity signing certificate (not a CA), with the digitalSignature key usage and an
extended key usage such as emailProtection or documentSigning, issued by a CA. The local identity is a
self-signed ES256 CA plus a signing certificate it issued; only the certificate chain goes into outputs,
the private keys stay in the data folder (mode 0600). Verifiers report it as an untrusted signer.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import SigningIdentityError

LOCAL_CHAIN = "local-signer-chain.pem"
LOCAL_KEY = "local-signer.key"
LOCAL_CA_KEY = "local-ca.key"
# Extended key usages C2PA accepts for signing certificates (C2PA 2.x, 14.5.1).
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
C2PA_EKUS = frozenset(
    {
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        DOCUMENT_SIGNING,
        ExtendedKeyUsageOID.TIME_STAMPING,
        ExtendedKeyUsageOID.OCSP_SIGNING,
    }
)
EC_ALGS = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


@dataclass(frozen=True)
class SignerIdentity:
    chain_pem: bytes  # signing certificate first, then its issuers
    key_pem: bytes  # PKCS#8, never written into an output
    alg: str  # es256 | es384 | es512 | ps256 | ed25519
    subject: str
    issuer: str
    not_after: dt.datetime
    local: bool


def load_identity(cert_path: Path, key_path: Path, *, now: dt.datetime | None = None) -> SignerIdentity:
    """Read and check a PEM certificate chain and its private key; one sentence per problem."""
    chain_pem = _read(cert_path, "certificate")
    key_pem = _read(key_path, "private key")
    return identity_from_pem(chain_pem, key_pem, local=False, now=now, names=(str(cert_path), str(key_path)))


def identity_from_pem(
    chain_pem: bytes,
    key_pem: bytes,
    *,
    local: bool,
    now: dt.datetime | None = None,
    names: tuple[str, str] = ("the certificate", "the private key"),
) -> SignerIdentity:
    cert_name, key_name = names
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise SigningIdentityError(
            f"{cert_name} is not a PEM certificate chain (-----BEGIN CERTIFICATE-----); "
            "export the signing certificate and its issuers as PEM."
        ) from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        reason = "is encrypted with a password" if "password" in str(exc).lower() else "is not a PEM private key"
        raise SigningIdentityError(f"{key_name} {reason}; provide an unencrypted PEM (PKCS#8) key.") from None
    leaf = chain[0]
    alg = _algorithm(key, key_name)
    if leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise SigningIdentityError(
            f"{key_name} does not belong to the first certificate in {cert_name}; "
            "put the signing certificate first and use its own key."
        )
    now = now or dt.datetime.now(dt.UTC)
    if leaf.not_valid_after_utc < now:
        raise SigningIdentityError(
            f"the certificate in {cert_name} expired on {leaf.not_valid_after_utc:%Y-%m-%d}; "
            "renew it (or delete a local identity to have a new one made)."
        )
    if leaf.not_valid_before_utc > now:
        raise SigningIdentityError(
            f"the certificate in {cert_name} is not valid before "
            f"{leaf.not_valid_before_utc:%Y-%m-%d}; check the clock or the certificate."
        )
    _check_usage(leaf, cert_name)
    if len(chain) < 2:
        raise SigningIdentityError(
            f"{cert_name} holds only one certificate; C2PA needs the signing certificate "
            "followed by the CA that issued it (a self-signed leaf is refused)."
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return SignerIdentity(
        chain_pem, key_pem, alg, _common_name(leaf.subject), _organisation(leaf.issuer), leaf.not_valid_after_utc, local
    )


def ensure_local_identity(folder: Path) -> SignerIdentity:
    """The local identity in `folder`, made on first use (CA key and signer key kept 0600)."""
    chain_path, key_path = folder / LOCAL_CHAIN, folder / LOCAL_KEY
    if not (chain_path.is_file() and key_path.is_file()):
        chain_pem, key_pem, ca_key_pem = make_chain("Inkframe Studio local signer", "Inkframe Studio local CA")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_private(folder / LOCAL_CA_KEY, ca_key_pem)
            _write_private(key_path, key_pem)
            chain_path.write_bytes(chain_pem)
        except OSError as exc:
            raise SigningIdentityError(
                f"the local signing identity cannot be written to {folder} ({exc.strerror or exc}); check app.data_dir."
            ) from None
    identity = identity_from_pem(
        chain_path.read_bytes(), key_path.read_bytes(), local=True, names=(str(chain_path), str(key_path))
    )
    return identity


def make_chain(
    subject: str, ca_subject: str, *, days: int = 3650, now: dt.datetime | None = None
) -> tuple[bytes, bytes, bytes]:
    """A self-signed ES256 CA and a signing certificate it issued: (chain PEM, signer key PEM, CA key PEM)."""
    now = now or dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name, name = _name(ca_subject), _name(subject)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pkcs8 = serialization.PrivateFormat.PKCS8
    return (
        leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()),
        ca_key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()),
    )


def _algorithm(key: object, key_name: str) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = EC_ALGS.get(key.curve.name)
        if alg:
            return alg
        raise SigningIdentityError(
            f"{key_name} uses the curve {key.curve.name}; C2PA signs with P-256, P-384 or P-521."
        )
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise SigningIdentityError(f"{key_name} is a {key.key_size}-bit RSA key; C2PA needs at least 2048 bits.")
        return "ps256"
    raise SigningIdentityError(
        f"{key_name} is a {type(key).__name__}; C2PA signs with EC (P-256/384/521), RSA-PSS or Ed25519 keys."
    )


def _check_usage(leaf: x509.Certificate, cert_name: str) -> None:
    try:
        basic = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        if basic.ca:
            raise SigningIdentityError(
                f"the first certificate in {cert_name} is a CA certificate; "
                "C2PA signs with an end-entity certificate issued by that CA."
            )
    except x509.ExtensionNotFound:
        pass
    try:
        usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = set()
    if not usages & C2PA_EKUS:
        raise SigningIdentityError(
            f"the certificate in {cert_name} lacks an extended key usage C2PA accepts "
            "(emailProtection or documentSigning); ask the CA for a signing certificate."
        )


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningIdentityError(
            f"the {what} file {path} does not exist; fix provenance.cert / provenance.key in config.yaml."
        ) from None
    except OSError as exc:
        raise SigningIdentityError(f"the {what} file {path} cannot be read ({exc.strerror or exc}).") from None
    if len(data) > 256 * 1024:
        raise SigningIdentityError(f"the {what} file {path} is larger than 256 KiB; it is not a PEM {what}.")
    return data


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Inkframe Studio (local, untrusted)"),
        ]
    )


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _organisation(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME) or name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()
