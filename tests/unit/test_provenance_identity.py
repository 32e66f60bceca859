"""Signing identities: the local one made on first use; one sentence per bad certificate or key."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from PIL import Image

from app.provenance import (
    Credentials,
    ProvenanceError,
    ProvenanceSettings,
    SigningIdentityError,
    ensure_local_identity,
    generated,
    identity_from_pem,
    load_identity,
    make_chain,
    read_credentials,
)
from app.provenance.formats import png_text, read_statement

from .provenance_helpers import write_picture


def test_local_identity_is_made_once_and_its_keys_stay_private(tmp_path: Path) -> None:
    first = ensure_local_identity(tmp_path / "data" / "provenance")
    again = ensure_local_identity(tmp_path / "data" / "provenance")
    assert first.chain_pem == again.chain_pem and first.local and first.alg == "es256"
    for name in ("local-signer.key", "local-ca.key"):
        assert stat.S_IMODE((tmp_path / "data" / "provenance" / name).stat().st_mode) == 0o600
    credentials = Credentials(ProvenanceSettings(identity_dir=tmp_path / "data" / "provenance"))
    out = write_picture(tmp_path / "out.png")
    credentials.stamp_file(out, generated())
    data = out.read_bytes()
    assert b"PRIVATE KEY" not in data
    key = serialization.load_pem_private_key((tmp_path / "data" / "provenance" / "local-signer.key").read_bytes(), None)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    assert scalar not in data
    assert read_credentials(out).state == "untrusted"


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_missing_files_name_the_config_keys(tmp_path: Path) -> None:
    with pytest.raises(SigningIdentityError, match=r"does not exist; fix provenance.cert / provenance.key"):
        load_identity(tmp_path / "nope.pem", tmp_path / "nope.key")


def test_expired_certificate_is_refused(tmp_path: Path) -> None:
    chain, key, _ = make_chain("old", "old CA", days=1, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(SigningIdentityError, match=r"expired on 2020-01-02; renew it"):
        identity_from_pem(chain, key, local=False)


def test_key_of_another_certificate_is_refused() -> None:
    chain, _, _ = make_chain("a", "a CA")
    _, other_key, _ = make_chain("b", "b CA")
    with pytest.raises(SigningIdentityError, match="does not belong to the first certificate"):
        identity_from_pem(chain, other_key, local=False)


def test_wrong_type_of_key_is_refused() -> None:
    chain, _, _ = make_chain("a", "a CA")
    with pytest.raises(SigningIdentityError, match="1024-bit RSA key; C2PA needs at least 2048 bits"):
        identity_from_pem(chain, _pem(rsa.generate_private_key(65537, 1024)), local=False)
    with pytest.raises(SigningIdentityError, match="uses the curve secp256k1"):
        identity_from_pem(chain, _pem(ec.generate_private_key(ec.SECP256K1())), local=False)


def test_not_pem_and_encrypted_keys_are_one_sentence() -> None:
    chain, key, _ = make_chain("a", "a CA")
    with pytest.raises(SigningIdentityError, match="is not a PEM certificate chain"):
        identity_from_pem(b"hello", key, local=False)
    loaded = serialization.load_pem_private_key(key, None)
    encrypted = loaded.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"secret")
    )
    with pytest.raises(SigningIdentityError, match="is encrypted with a password"):
        identity_from_pem(chain, encrypted, local=False)


def test_ca_as_leaf_and_lone_leaf_are_refused() -> None:
    chain, _, ca_key = make_chain("a", "a CA")
    leaf_end = chain.index(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----\n")
    with pytest.raises(SigningIdentityError, match="is a CA certificate"):
        identity_from_pem(chain[leaf_end:], ca_key, local=False)
    _, key, _ = make_chain("a", "a CA")
    chain2, key2, _ = make_chain("b", "b CA")
    end2 = chain2.index(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----\n")
    with pytest.raises(SigningIdentityError, match="holds only one certificate"):
        identity_from_pem(chain2[:end2], key2, local=False)


def test_bad_identity_removes_the_output_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "chain.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    credentials = Credentials(
        ProvenanceSettings(identity_dir=tmp_path / "local", cert=tmp_path / "chain.pem", key=tmp_path / "key.pem")
    )
    out = write_picture(tmp_path / "out.png")
    with pytest.raises(ProvenanceError, match=r"is not a PEM certificate chain.*The unsigned out.png was removed"):
        credentials.stamp_file(out, generated())
    assert not out.exists()
    with pytest.raises(ProvenanceError):
        credentials.stamp_bytes(b"\x89PNG", "x.png", generated())


def test_allow_unsigned_writes_the_file_and_states_it(tmp_path: Path) -> None:
    (tmp_path / "chain.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    credentials = Credentials(
        ProvenanceSettings(
            identity_dir=tmp_path / "local", cert=tmp_path / "chain.pem", key=tmp_path / "key.pem", allow_unsigned=True
        )
    )
    png, jpg, webp = (
        write_picture(tmp_path / "out.png", comfy=True),
        write_picture(tmp_path / "out.jpg"),
        write_picture(tmp_path / "out.webp"),
    )
    for path in (png, jpg, webp):
        result = credentials.stamp_file(path, generated())
        assert result.outcome == "unsigned"
        statement = read_statement(path)
        assert statement and statement.startswith("unsigned: provenance.allow_unsigned is on and signing failed")
        report = read_credentials(path)
        assert report.state == "unsigned" and report.note == statement
    assert "prompt" in png_text(png.read_bytes())
    with Image.open(webp) as image:
        assert b"unsigned: provenance.allow_unsigned" in image.info["xmp"]  # what other tools read, too


def test_cert_without_key_is_one_sentence(tmp_path: Path) -> None:
    credentials = Credentials(ProvenanceSettings(identity_dir=tmp_path, cert=tmp_path / "c.pem"))
    with pytest.raises(SigningIdentityError, match="must be set together"):
        credentials.signer()
