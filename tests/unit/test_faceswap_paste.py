import numpy as np

from app.faceswap.paste import align_to_template, feather_mask, paste_back


def test_feather_mask_is_one_inside_and_fades_to_zero_at_the_edges():
    mask = feather_mask(128, blur=0.3)
    assert mask[64, 64] == 1.0 and mask[0, 0] == 0.0 and mask[64, 0] < 0.01
    row = mask[64, :64]
    assert np.all(np.diff(row) >= -1e-6) and 0.2 < row[12] < 0.99  # a soft ramp, not a step


def test_paste_back_changes_only_the_face_region():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
    kps = np.array([[180, 120], [220, 120], [200, 145], [185, 165], [215, 165]], np.float32)
    crop, matrix = align_to_template(frame, kps, 128)
    before = frame.copy()
    white = np.full_like(crop, 255)
    paste_back(frame, white, matrix, feather_mask(128, 0.3))
    changed = np.argwhere((frame != before).any(axis=2))
    ys, xs = changed[:, 0], changed[:, 1]
    assert 100 < ys.mean() < 180 and 160 < xs.mean() < 240  # around the face
    assert ys.min() > 40 and ys.max() < 260 and xs.min() > 100 and xs.max() < 300
    assert frame[140, 200].min() > 240  # the centre is the pasted crop


def test_paste_back_near_the_border_is_clipped():
    frame = np.zeros((100, 100, 3), np.uint8)
    kps = np.array([[5, 10], [25, 10], [15, 20], [8, 30], [22, 30]], np.float32)
    crop, matrix = align_to_template(frame, kps, 64)
    paste_back(frame, np.full_like(crop, 200), matrix, feather_mask(64))
    assert frame[15, 15].max() > 100
