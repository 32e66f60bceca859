import numpy as np
import pytest

from app.faceswap import (
    ConsentRequired,
    ContentBlocked,
    FaceSwapError,
    NsfwGate,
    Provenance,
    VideoGateTally,
    check_output_path,
    draw_visible_mark,
    read_image_provenance,
    require_consent,
    save_image,
)


def test_consent_is_required_with_a_sentence_naming_the_flag():
    with pytest.raises(ConsentRequired, match="--i-have-consent"):
        require_consent(False)
    require_consent(True)


def test_existing_output_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "c.mp4"
    out.write_bytes(b"x")
    with pytest.raises(FaceSwapError, match="already exists; choose another --out path or pass --overwrite"):
        check_output_path(out, overwrite=False)
    check_output_path(out, overwrite=True)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_saved_images_carry_provenance(tmp_path, suffix):
    provenance = Provenance(date="2026-01-02T03:04:05+00:00")
    path = save_image(np.zeros((16, 16, 3), np.uint8), tmp_path / f"r{suffix}", provenance)
    meta = read_image_provenance(path)
    text = " ".join(meta.values())
    assert "Inkframe Studio" in text and "face swap" in text and "2026-01-02T03:04:05" in text
    if suffix == ".png":
        assert meta["tool"] == "Inkframe Studio" and meta["operation"] == "face swap"


def test_unsupported_image_extension(tmp_path):
    with pytest.raises(FaceSwapError, match=r"image results are saved as \.png, \.jpg or \.webp"):
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "r.tiff", Provenance.now())


def test_visible_mark_draws_in_the_corner_only():
    image = np.full((240, 320, 3), 128, np.uint8)
    marked = draw_visible_mark(image.copy())
    changed = np.argwhere((marked != 128).any(axis=2))
    assert len(changed) > 50
    assert changed[:, 0].min() > 180 and changed[:, 1].min() > 150  # bottom-right


def test_gate_passes_a_safe_image_with_nudenets_real_model():
    pytest.importorskip("nudenet")
    from app.faceswap import NudenetClassifier
    from tests.modelkit import astronaut

    classifier = NudenetClassifier()
    detections = classifier.detections(astronaut())
    assert all({"class", "score", "box"} <= set(d) for d in detections)
    assert any(d["class"].startswith("FACE_") for d in detections)  # the real detector sees the face
    gate = NsfwGate(classifier, threshold=0.6)
    assert gate.check_image(astronaut()) < 0.6
    assert classifier(np.full((200, 200, 3), 90, np.uint8)) == 0.0


def test_gate_blocks_an_explicit_score_from_an_injected_classifier():
    gate = NsfwGate(lambda frame: float(frame.mean() > 100), threshold=0.6)
    with pytest.raises(ContentBlocked, match="blocked by the NSFW gate"):
        gate.check_image(np.full((8, 8, 3), 200, np.uint8))


def test_video_rule_blocks_only_above_the_share_of_sampled_frames():
    gate = NsfwGate(lambda frame: float(frame[0, 0, 0]) / 255.0, threshold=0.6, video_share=0.25, sample_every=2)
    tally = VideoGateTally()
    for i in range(16):  # 8 samples (even frames); frames 0 and 2 are explicit -> 2/8 = 25 %: not more than the share
        gate.sample_frame(i, np.full((4, 4, 3), 255 if i in (0, 2) else 0, np.uint8), tally)
    assert (tally.samples, tally.hits) == (8, 2) and not gate.is_blocked(tally)
    gate.sample_frame(4, np.full((4, 4, 3), 255, np.uint8), tally)
    with pytest.raises(ContentBlocked, match=r"3 of 9 sampled frames \(frames 0, 2, 4\)"):
        gate.check_video(tally)


def test_a_video_is_certainly_blocked_once_hits_exceed_the_share_of_all_expected_samples():
    gate = NsfwGate(lambda frame: 1.0, threshold=0.6, video_share=0.25)
    tally = VideoGateTally(samples=3, hits=2)
    assert not gate.is_certainly_blocked(tally, expected_samples=10)  # 2 <= 2.5: later clean frames could still pass it
    tally.hits = 3
    assert gate.is_certainly_blocked(tally, expected_samples=10)
