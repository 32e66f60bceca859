"""Face-swap and video nodes called directly with CPU tensors (no ComfyUI), loaded through the adapter."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="node tests need torch (CPU) for IMAGE tensors")

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "custom_nodes")) if str(REPO / "custom_nodes") not in sys.path else None

from inkframe_nodes import adapter
from inkframe_nodes.nodes import faceswap as nodes
from inkframe_nodes.nodes import media as media_nodes

from tests.modelkit import (
    astronaut,
    build_catalog,
    ffmpeg_available,
    make_clip,
    mediapipe_available,
)

needs_models = pytest.mark.skipif(
    not mediapipe_available(), reason="mediapipe 0.10.21 (ships the face detector) is not installed"
)


@pytest.fixture()
def stand_ins(monkeypatch):
    """Point the nodes at the stand-in models (the node pack loads app/ under its alias, so build it there)."""
    catalog, _ = build_catalog(enhancer=False, genderage=True)
    fs = adapter.lib("faceswap")
    monkeypatch.setitem(nodes._CACHE, "catalog", fs.ModelCatalog(catalog.root, list(catalog.specs.values())))
    monkeypatch.setitem(nodes._CACHE, "nsfw", lambda frame: 0.0)
    engine = fs.FaceSwapEngine(
        fs.load_parts(
            nodes._CACHE["catalog"],
            dict(fs.ROLE_DEFAULTS),
            fs.RuntimeSettings(threads=1),
            "mediapipe",
            enhancer=False,
            genderage=True,
        )
    )
    monkeypatch.setitem(nodes._CACHE, ("engine", False, False), engine)
    monkeypatch.setitem(nodes._CACHE, ("engine", False, True), engine)
    return engine


def _tensor(*arrays):
    return adapter.arrays_to_tensor(list(arrays))


def test_nodes_are_registered_with_inputs():
    from inkframe_nodes.nodes import NODE_CLASS_MAPPINGS

    for name in (
        "InkframeFaceSwap",
        "InkframeFaceRestore",
        "InkframeFaceAnalyze",
        "InkframeLoadVideoFrames",
        "InkframeSaveVideo",
    ):
        assert name in NODE_CLASS_MAPPINGS
    required = nodes.InkframeFaceSwap.INPUT_TYPES()["required"]
    assert required["selector"][0] == ["reference", "one", "many"] and required["i_have_consent"][1]["default"] is False


def test_swap_node_refuses_without_consent():
    fs = adapter.lib("faceswap")
    with pytest.raises(fs.ConsentRequired, match="consented"):
        nodes.InkframeFaceSwap().run(
            _tensor(astronaut()), _tensor(astronaut()), "one", "largest", 0, "none", 0.8, False
        )


@needs_models
def test_swap_node_swaps_a_batch_and_analyze_lists_faces(stand_ins):
    image = astronaut()
    blank = np.full_like(image, 100)
    (out,) = nodes.InkframeFaceSwap().run(
        _tensor(image), _tensor(image, blank, image), "one", "largest", 0, "none", 0.8, True
    )
    assert tuple(out.shape) == (3, 512, 512, 3)
    frames = adapter.tensor_to_arrays(out)
    assert np.abs(frames[0].astype(int) - image.astype(int)).mean() > 0.5
    assert np.array_equal(frames[1], blank)  # no face: passes through
    text, count = nodes.InkframeFaceAnalyze().run(_tensor(image))
    assert count == 1 and '"gender"' in text and '"kps"' in text


@needs_models
def test_swap_node_names_a_target_without_faces(stand_ins):
    fs = adapter.lib("faceswap")
    with pytest.raises(fs.NoFaceFound, match="no face matching the selection was found in the target"):
        nodes.InkframeFaceSwap().run(
            _tensor(astronaut()), _tensor(np.full((64, 64, 3), 9, np.uint8)), "many", "largest", 0, "none", 0.8, True
        )


@pytest.mark.skipif(not ffmpeg_available(), reason="ffmpeg is not installed")
def test_video_nodes_load_and_save(tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "c.mp4", seconds=2, fps=10, size=(64, 48))
    frames, fps, count = media_nodes.InkframeLoadVideoFrames().run(str(clip), 0.5, 1.5, 100)
    assert (tuple(frames.shape), fps, count) == ((10, 48, 64, 3), 10.0, 10)
    monkeypatch.setenv("INKFRAME_OUTPUT_DIR", str(tmp_path / "out"))
    result = media_nodes.InkframeSaveVideo().run(frames, 10.0, "h264", 18, "test", str(clip))
    path = Path(result["result"][0])
    info = adapter.lib("media").probe(path)
    assert info.frame_count == 10 and info.has_audio and path.parent == tmp_path / "out"


@needs_models
def test_swap_node_follows_the_studios_faceswap_settings(tmp_path, monkeypatch):
    """The manifest (and its sha256), the detector and onnxruntime's settings come from the studio's config, here
    through INKFRAME__FACESWAP__* variables as a ComfyUI server's environment would give them."""
    from tests.modelkit import cache_dir, write_test_manifest

    catalog, _ = build_catalog(enhancer=False, genderage=False)
    manifest = write_test_manifest(tmp_path / "manifest.yaml", catalog)
    monkeypatch.setenv("INKFRAME__FACESWAP__MANIFEST", str(manifest))
    monkeypatch.setenv("INKFRAME__FACESWAP__DETECTOR", "mediapipe")
    monkeypatch.setenv("INKFRAME__FACESWAP__THREADS", "1")
    monkeypatch.setenv("INKFRAME_MODELS_DIR", str(cache_dir()))
    monkeypatch.setattr(nodes, "_CACHE", {})
    engine = nodes._engine(False)
    assert engine.analyzer.detector.name == "mediapipe"
    assert nodes._CACHE["catalog"].spec("inswapper_128.onnx").sha256 == catalog.spec("inswapper_128.onnx").sha256
    monkeypatch.setenv("INKFRAME__FACESWAP__MANIFEST", str(tmp_path / "missing.yaml"))
    monkeypatch.setattr(nodes, "_CACHE", {})
    fs = adapter.lib("faceswap")
    with pytest.raises(fs.ModelFileError, match="missing.yaml cannot be read"):
        nodes._engine(False)


def test_models_are_found_in_comfyuis_folder_or_the_extra_path_that_has_them(tmp_path, monkeypatch):
    """A ComfyUI started by the studio reads the studio's models/ through extra_model_paths.yaml."""
    import types

    own, studio = tmp_path / "ComfyUI" / "models", tmp_path / "studio" / "models"
    (studio / "insightface").mkdir(parents=True)
    own.mkdir(parents=True)
    fake = types.SimpleNamespace(
        models_dir=str(own),
        folder_names_and_paths={"insightface": ([str(studio / "insightface")], set())},
        get_folder_paths=lambda name: [str(studio / "insightface")],
    )
    monkeypatch.setitem(sys.modules, "folder_paths", fake)
    assert nodes._models_root() == studio
    (own / "insightface").mkdir()
    assert nodes._models_root() == own  # ComfyUI's own folder first when it has them
    fake.folder_names_and_paths = {}
    assert nodes._models_root() == own
