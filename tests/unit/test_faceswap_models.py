from pathlib import Path

import pytest

from app.faceswap import (
    ModelCatalog,
    ModelFileError,
    ModelSpec,
    sha256_of,
    spec_from_entry,
)


def _catalog(
    tmp_path: Path, content: bytes = b"model bytes", sha: str | None = None, size: int | None = None
) -> ModelCatalog:
    folder = tmp_path / "insightface"
    folder.mkdir(exist_ok=True)
    (folder / "inswapper_128.onnx").write_bytes(content)
    spec = ModelSpec(
        name="inswapper_128.onnx",
        folder="insightface",
        url="https://example.org/inswapper_128.onnx",
        sha256=sha,
        size=size,
        licence="non-commercial research only",
    )
    return ModelCatalog(tmp_path, [spec])


def test_missing_model_says_which_file_where_from_where_and_licence(tmp_path):
    catalog = ModelCatalog(
        tmp_path,
        [
            ModelSpec(
                "inswapper_128.onnx",
                "insightface",
                "https://example.org/inswapper_128.onnx",
                licence="non-commercial research only",
            )
        ],
    )
    with pytest.raises(ModelFileError) as info:
        catalog.require("inswapper_128.onnx")
    message = str(info.value)
    assert "inswapper_128.onnx is missing" in message
    assert str(tmp_path / "insightface" / "inswapper_128.onnx") in message
    assert "https://example.org/inswapper_128.onnx" in message and "non-commercial" in message


def test_checksum_mismatch_is_refused_and_a_match_is_accepted(tmp_path):
    good = _catalog(tmp_path, sha=sha256_of_bytes(b"model bytes"))
    assert good.require("inswapper_128.onnx").name == "inswapper_128.onnx"
    bad = _catalog(tmp_path, sha="0" * 64)
    with pytest.raises(ModelFileError, match="is corrupt or not the expected model"):
        bad.require("inswapper_128.onnx")


def test_wrong_size_is_refused_before_hashing(tmp_path):
    with pytest.raises(ModelFileError, match="has 11 bytes but the manifest expects 99"):
        _catalog(tmp_path, sha="0" * 64, size=99).require("inswapper_128.onnx")


def test_unknown_model_name_and_bad_entry(tmp_path):
    with pytest.raises(ModelFileError, match="not in the models manifest"):
        ModelCatalog(tmp_path, []).require("x.onnx")
    with pytest.raises(ModelFileError, match="has no 'name'"):
        spec_from_entry({"folder": "x"})
    spec = spec_from_entry({"name": "a.onnx", "folder": "f", "sha256": "AB" * 32, "size": "12", "license": "MIT"})
    assert spec.sha256 == "ab" * 32 and spec.size == 12 and spec.licence == "MIT"


def test_project_manifest_lists_the_face_swap_models():
    from app.config import load_config
    from app.faceswap import ROLE_DEFAULTS
    from app.services.faceswap_service import load_catalog

    catalog = load_catalog(load_config(environ={}))
    assert set(ROLE_DEFAULTS.values()) <= set(catalog.specs)
    assert "non-commercial" in catalog.spec("inswapper_128.onnx").licence


def sha256_of_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_sha256_of_file(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert sha256_of(tmp_path / "f") == sha256_of_bytes(b"abc")
