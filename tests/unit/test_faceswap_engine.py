"""The real code path on models with the real file signatures (random weights) and mediapipe's shipped detector."""

import numpy as np
import pytest

from app.faceswap import (
    FaceSwapError,
    ImageJob,
    ModelFileError,
    NoFaceFound,
    SelectionSettings,
    SwapSettings,
    resolve_selection,
    swap_image,
)
from tests.modelkit import (
    astronaut,
    build_arcface,
    build_genderage,
    build_gfpgan,
    build_inswapper,
    mediapipe_available,
    stand_in_engine,
)

pytestmark = pytest.mark.skipif(
    not mediapipe_available(), reason="mediapipe 0.10.21 (ships the face detector) is not installed"
)

FACE_BOX = (178, 83, 273, 178)  # where the astronaut's face is (x1, y1, x2, y2)


@pytest.fixture(scope="module")
def engine():
    return stand_in_engine(enhancer=False, genderage=True)


def test_insightface_routes_the_stand_ins_to_the_real_classes():
    from insightface.model_zoo import model_zoo

    assert type(model_zoo.get_model(str(build_inswapper()))).__name__ == "INSwapper"
    assert type(model_zoo.get_model(str(build_arcface()))).__name__ == "ArcFaceONNX"
    assert model_zoo.get_model(str(build_genderage())).taskname == "genderage"


def test_a_file_of_the_wrong_kind_is_named():
    from app.faceswap.runtime import RuntimeSettings, session_kwargs
    from app.faceswap.swapper import Swapper

    with pytest.raises(FaceSwapError, match="is not an inswapper model"):
        Swapper(build_arcface(), session_kwargs(RuntimeSettings()))


def test_analyze_finds_the_face_with_landmarks_embedding_gender_and_age(engine):
    faces = engine.analyzer.analyze(astronaut())
    assert len(faces) == 1
    face = faces[0]
    assert np.allclose(face.bbox, FACE_BOX, atol=12)
    x1, y1, x2, y2 = face.bbox
    assert np.all((face.kps[:, 0] > x1) & (face.kps[:, 0] < x2) & (face.kps[:, 1] > y1) & (face.kps[:, 1] < y2))
    assert face.kps[0, 0] < face.kps[1, 0] and face.kps[3, 1] > face.kps[2, 1]  # eyes left->right, mouth below nose
    assert face.embedding.shape == (512,) and face.gender in ("female", "male") and 0 <= face.age <= 100


def test_image_swap_changes_only_the_face_region(engine):
    image = astronaut()
    source = engine.identity_from_images([("astronaut.png", image), ("flipped.png", image[:, ::-1].copy())])
    result, report = swap_image(engine, ImageJob("astronaut.png", image, source, SwapSettings(enhancer="none")))
    assert report.faces_swapped == 1
    changed = np.argwhere(np.abs(result.astype(int) - image.astype(int)).sum(axis=2) > 6)
    assert len(changed) > 3000
    x1, y1, x2, y2 = FACE_BOX
    pad = 80
    assert changed[:, 1].min() > x1 - pad and changed[:, 1].max() < x2 + pad
    assert changed[:, 0].min() > y1 - pad and changed[:, 0].max() < y2 + pad


def test_target_without_face_and_source_without_face_are_named(engine):
    gray = np.full((256, 256, 3), 120, np.uint8)
    with pytest.raises(NoFaceFound, match="no face was found in the source image blank.png"):
        engine.identity_from_images([("blank.png", gray)])
    source = engine.identity_from_images([("astronaut.png", astronaut())])
    with pytest.raises(NoFaceFound, match="no face was found in the target blank.png"):
        swap_image(engine, ImageJob("blank.png", gray, source, SwapSettings(enhancer="none")))


def test_reference_selection_matches_the_same_face_and_rejects_another(engine):
    image = astronaut()
    source = engine.identity_from_images([("astronaut.png", image)])
    same = resolve_selection(
        engine, SelectionSettings(selector="reference", reference_distance=0.05), ("ref.png", image)
    )
    _, report = swap_image(
        engine, ImageJob("astronaut.png", image, source, SwapSettings(selection=same, enhancer="none"))
    )
    assert report.faces_swapped == 1
    other = np.ascontiguousarray(np.clip(image.astype(int) * [0.4, 1.2, 1.6], 0, 255).astype(np.uint8))
    strict = resolve_selection(
        engine, SelectionSettings(selector="reference", reference_distance=1e-4), ("other.png", other)
    )
    with pytest.raises(NoFaceFound, match="none matches the selection"):
        swap_image(engine, ImageJob("astronaut.png", image, source, SwapSettings(selection=strict, enhancer="none")))


def test_gender_filter_uses_the_genderage_model(engine):
    image = astronaut()
    found = engine.analyzer.analyze(image)[0].gender
    other = "male" if found == "female" else "female"
    source = engine.identity_from_images([("astronaut.png", image)])
    with pytest.raises(NoFaceFound, match="none matches"):
        swap_image(
            engine,
            ImageJob("a.png", image, source, SwapSettings(selection=SelectionSettings(gender=other), enhancer="none")),
        )


@pytest.mark.slow
def test_gfpgan_restorer_loads_gfpganv1clean_weights_and_restores_an_aligned_face():
    from app.faceswap.restore import GfpganRestorer

    restorer = GfpganRestorer(build_gfpgan())
    crop = np.full((512, 512, 3), 128, np.uint8)
    out = restorer.restore(crop)
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8 and out.std() > 0
    with pytest.raises(ModelFileError, match="is not a GFPGAN v1.4"):
        GfpganRestorer(build_inswapper())


def test_insightface_detector_path_loads_an_scrfd_shaped_model_and_gives_typed_detections():
    from app.faceswap.detectors import InsightfaceDetector
    from app.faceswap.runtime import RuntimeSettings, session_kwargs
    from tests.modelkit import build_scrfd

    detector = InsightfaceDetector(build_scrfd(), session_kwargs(RuntimeSettings(threads=1)), det_size=320)
    assert detector.model.taskname == "detection" and detector.model.use_kps
    found = detector.detect(astronaut())
    assert found, "the stand-in scores every anchor high, so NMS must keep some boxes"
    assert all(d.bbox.shape == (4,) and d.kps.shape == (5, 2) and 0 <= d.score <= 1 for d in found)


def test_auto_detector_prefers_insightface_when_its_file_is_present(tmp_path):
    from app.faceswap import ROLE_DEFAULTS, ModelCatalog, ModelSpec
    from app.faceswap.engine import build_detector
    from app.faceswap.runtime import RuntimeSettings, session_kwargs
    from tests.modelkit import build_scrfd, cache_dir

    build_scrfd()
    kwargs = session_kwargs(RuntimeSettings(threads=1))
    present = ModelCatalog(cache_dir(), [ModelSpec("det_10g.onnx", "insightface-scrfd")])
    absent = ModelCatalog(
        tmp_path, [ModelSpec("det_10g.onnx", "insightface/models/buffalo_l", "https://example.org/det_10g.onnx")]
    )
    assert build_detector("auto", present, ROLE_DEFAULTS, kwargs).name == "insightface"
    assert build_detector("auto", absent, ROLE_DEFAULTS, kwargs).name == "mediapipe"
    with pytest.raises(ModelFileError, match="det_10g.onnx is missing"):
        build_detector("insightface", absent, ROLE_DEFAULTS, kwargs)
