"""The book service's wiring with the real face pipeline on stand-in models (tests/modelkit.py: insightface
model signatures with random weights, MediaPipe's shipped detector): the identity embedder and the face
repair load from the models manifest, measure and swap real faces in a photo; missing models are sentences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.book.build_types import BuildOptions
from app.config import Config
from app.services.book_service import build_book, load_identity_embedder, load_repairer
from app.services.identity_service import AnalyzerEmbedder

from .book_helpers import SyntheticBackend

modelkit = pytest.importorskip("tests.modelkit", reason="the stand-in model kit needs onnx")
pytest.importorskip("skimage.data", reason="scikit-image provides the test photo")
if not modelkit.mediapipe_available():
    pytest.skip("mediapipe (the shipped face detector) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def stand_in_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    catalog, _ = modelkit.build_catalog(enhancer=False, genderage=False)
    manifest = modelkit.write_test_manifest(tmp_path_factory.mktemp("models") / "manifest.yaml", catalog)
    return Config.model_validate(
        {
            "faceswap": {
                "models_dir": str(modelkit.cache_dir()),
                "manifest": str(manifest),
                "detector": "mediapipe",
                "threads": 1,
                "nsfw_gate": False,
            },
            "gates": {
                "identity_threshold": 0.9999,
                "identity_retries": 1,
                "identity_repairs": 1,
                "quality_threshold": 0.0,
            },
        }
    )


def test_missing_models_turn_the_gates_off_with_a_sentence(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("models: []\n", encoding="utf-8")
    config = Config.model_validate({"faceswap": {"models_dir": str(tmp_path), "manifest": str(manifest)}})
    repairer, reason = load_repairer(config)
    assert repairer is None and reason.startswith(
        "the face-swap model inswapper_128.onnx is not installed; get it with"
    )


def test_embedder_finds_the_face_in_a_photo(stand_in_config: Config) -> None:
    embedder, reason = load_identity_embedder(stand_in_config)
    assert reason == "" and isinstance(embedder, AnalyzerEmbedder)
    face = modelkit.astronaut()
    (vector,) = embedder.embed_faces(face)
    assert vector.shape == (512,) and np.isfinite(vector).all()
    assert embedder.embed_faces(np.full((128, 128, 3), 127, np.uint8)) == []


def test_build_measures_faces_retries_and_repairs_with_a_face_swap(stand_in_config: Config, tmp_path: Path) -> None:
    (tmp_path / "book.txt").write_text(
        "Title: Faces\nPage size: a5\nDPI: 72\nCast:\n- MAYA: keeper\n\nPAGE 1\n\n"
        "PANEL 1. Maya looks at us.\nShot: close-up\nCharacters: MAYA (center)\n",
        encoding="utf-8",
    )
    refs = tmp_path / "lib" / "characters" / "maya" / "references"
    refs.mkdir(parents=True)
    (refs.parent / "character.yaml").write_text("name: Maya\n", encoding="utf-8")
    Image.fromarray(modelkit.astronaut()).save(refs / "front.png")
    options = BuildOptions(
        script=tmp_path / "book.txt", out_dir=tmp_path / "out", library_dir=tmp_path / "lib", max_side=256
    )
    result = build_book(options, stand_in_config, "http://127.0.0.1:9", backend=SyntheticBackend())
    (record,) = result.records
    assert [a.kind for a in record.attempts] == ["generate", "retry", "faceswap"]
    assert all(
        a.identity[0].similarity is not None for a in record.attempts
    )  # a real face found and embedded each time
    assert record.repairs == 1 and record.retries == 1
    similarities = [a.identity[0].similarity for a in record.attempts]
    assert record.chosen_attempt == similarities.index(max(similarities))  # none passes 0.9999: the closest is kept
    text = Image.open(tmp_path / "out" / record.image).text
    if record.attempts[record.chosen_attempt].kind == "faceswap":
        assert text["operation"] == "face swap (book character repair; consent: the user's own character library)"
    else:
        assert "operation" not in text
    assert json.loads(text["inkframe:panel"])["seed"] == record.seed
    state = json.loads((tmp_path / "out" / "build.json").read_text())
    assert state["capabilities"]["identity"] == "" and state["capabilities"]["faceswap"] == ""
