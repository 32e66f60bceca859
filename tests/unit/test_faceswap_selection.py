import numpy as np
import pytest

from app.faceswap import (
    Detection,
    Face,
    FaceSwapError,
    FaceTracker,
    NoFaceFound,
    SelectionSettings,
    average_identity,
    cosine_distance,
    select_faces,
)
from app.faceswap.detectors import five_points_from_blazeface


def _face(x: float, size: float, emb: list[float] | None = None, gender=None, age=None) -> Face:
    return Face(
        bbox=np.array([x, 10, x + size, 10 + size], np.float32),
        kps=np.zeros((5, 2), np.float32),
        score=0.9,
        embedding=None if emb is None else np.array(emb, np.float32),
        gender=gender,
        age=age,
    )


FACES = [
    _face(100, 40, [1, 0, 0], "female", 30),
    _face(10, 20, [0, 1, 0], "male", 8),
    _face(300, 60, [0.9, 0.1, 0], "male", 50),
]


def test_one_picks_largest_left_most_or_by_index():
    assert select_faces(FACES, SelectionSettings(selector="one"))[0] is FACES[2]
    assert select_faces(FACES, SelectionSettings(selector="one", one_mode="left-most"))[0] is FACES[1]
    assert select_faces(FACES, SelectionSettings(selector="one", one_mode="index", face_index=1))[0] is FACES[0]
    assert select_faces(FACES, SelectionSettings(selector="one", one_mode="index", face_index=7)) == []


def test_many_and_filters():
    assert len(select_faces(FACES, SelectionSettings(selector="many"))) == 3
    assert select_faces(FACES, SelectionSettings(selector="many", gender="female")) == [FACES[0]]
    assert select_faces(FACES, SelectionSettings(selector="many", min_age=18, max_age=40)) == [FACES[0]]


def test_reference_picks_faces_within_the_distance_nearest_first():
    chosen = select_faces(
        FACES,
        SelectionSettings(selector="reference", reference=np.array([1, 0, 0], np.float32), reference_distance=0.05),
    )
    assert chosen == [FACES[0], FACES[2]]
    with pytest.raises(FaceSwapError, match="needs a reference face"):
        select_faces(FACES, SelectionSettings(selector="reference"))


def test_average_identity_and_faceless_source_is_named():
    identity = average_identity([("a.jpg", [FACES[0]]), ("b.jpg", [FACES[2]])])
    assert cosine_distance(identity.embedding, np.array([1, 0.05, 0])) < 0.01
    with pytest.raises(NoFaceFound, match="no face was found in the source image empty.jpg"):
        average_identity([("a.jpg", [FACES[0]]), ("empty.jpg", [])])


def test_tracker_smooths_jitter_and_follows_motion():
    rng = np.random.default_rng(0)
    tracker = FaceTracker(strength=0.7)
    raw, smooth = [], []
    for _ in range(40):
        kps = np.full((5, 2), 100.0) + rng.normal(0, 2.0, (5, 2))
        det = Detection(
            np.array([80, 80, 120, 120], np.float32) + rng.normal(0, 2.0, 4).astype(np.float32),
            kps.astype(np.float32),
            0.9,
        )
        ((track_id, out),) = tracker.update([det])
        raw.append(det.kps[0, 0])
        smooth.append(out.kps[0, 0])
        assert track_id == 0
    assert np.std(np.diff(smooth)) < 0.6 * np.std(np.diff(raw))
    # a new face far away starts a new track; the old one is dropped after max_missed frames
    far = Detection(np.array([300, 300, 340, 340], np.float32), np.full((5, 2), 320, np.float32), 0.9)
    ids = [tracker.update([far])[0][0] for _ in range(4)]
    assert ids == [1, 1, 1, 1] and len(tracker.tracks) == 1


def test_blazeface_points_map_to_insightface_order():
    # eye, eye (given right-to-left), nose, mouth centre, ears
    pts = np.array([[60, 40], [40, 40], [50, 50], [50, 60], [30, 45], [70, 45]], np.float32)
    five = five_points_from_blazeface(pts)
    assert five[0].tolist() == [40, 40] and five[1].tolist() == [60, 40] and five[2].tolist() == [50, 50]
    assert five[3][0] < 50 < five[4][0] and five[3][1] == five[4][1] == 60
    assert five[4][0] - five[3][0] == pytest.approx(0.83 * 20, abs=0.2)
