"""Identity and quality gates on synthetic pictures whose outcome is known (test embedder: mean colour)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageFilter

from app.book.gates import attempt_rank, check_identity, check_quality, reference_embeddings

from .book_helpers import PALETTE, StatsEmbedder, TwoFaceStatsEmbedder, photo, solid, tinted

RED, GREEN, BLUE = PALETTE
pytest.importorskip("skimage.data", reason="scikit-image provides the test photo")


def _refs(embedder, **colours):
    return {name: reference_embeddings(embedder, [solid(colour)]) for name, colour in colours.items()}


def test_same_identity_passes_and_another_fails() -> None:
    embedder = StatsEmbedder()
    refs = _refs(embedder, MAYA=RED)
    passed = check_identity(tinted((64, 64), RED), refs, embedder, 0.8)
    failed = check_identity(tinted((64, 64), BLUE), refs, embedder, 0.8)
    assert passed.passed is True and passed.scores[0].similarity > 0.8
    assert failed.passed is False and failed.failing == ("MAYA",) and failed.worst < 0.8


def test_missing_face_fails_only_where_the_shot_shows_faces() -> None:
    embedder = StatsEmbedder()
    refs = _refs(embedder, MAYA=RED)
    grey = solid((128, 128, 128))
    close = check_identity(grey, refs, embedder, 0.5, face_expected=True)
    wide = check_identity(grey, refs, embedder, 0.5, face_expected=False)
    assert close.passed is False and close.scores[0].note == "no face found for this character"
    assert wide.passed is None and wide.scores[0].passed is None


def test_characters_without_references_are_not_measured() -> None:
    embedder = StatsEmbedder()
    verdict = check_identity(tinted((64, 64), RED), {"TOM": []}, embedder, 0.5)
    assert verdict.passed is None and verdict.scores[0].note == "no reference face"


def test_each_face_is_assigned_to_one_character() -> None:
    embedder = TwoFaceStatsEmbedder()
    refs = _refs(embedder, MAYA=RED, TOM=BLUE)
    both = Image.new("RGB", (128, 64))
    both.paste(tinted((64, 64), BLUE), (0, 0))
    both.paste(tinted((64, 64), RED), (64, 0))
    verdict = check_identity(both, refs, embedder, 0.8)
    assert verdict.passed is True and all(s.similarity > 0.8 for s in verdict.scores)
    twins = Image.new("RGB", (128, 64))
    twins.paste(tinted((64, 64), RED), (0, 0))
    twins.paste(tinted((64, 64), RED), (64, 0))
    verdict = check_identity(twins, refs, embedder, 0.8)  # two Mayas: Tom gets the leftover face and fails
    assert verdict.failing == ("TOM",)


def test_quality_gate_separates_sharp_and_blurred_pictures() -> None:
    sharp = photo((128, 128))
    assert check_quality(sharp, 0.5).passed is True
    blurred = check_quality(sharp.filter(ImageFilter.GaussianBlur(3)), 0.5)
    assert blurred.passed is False and blurred.score.normalised < 0.5


def test_attempt_rank_prefers_passing_then_closer_identity_then_quality() -> None:
    embedder = StatsEmbedder()
    refs = _refs(embedder, MAYA=RED)
    good = check_identity(tinted((64, 64), RED), refs, embedder, 0.8)
    bad = check_identity(tinted((64, 64), BLUE), refs, embedder, 0.8)
    assert attempt_rank(bad, 0.5) > attempt_rank(bad, 0.4)
    assert attempt_rank(good, 0.1) > attempt_rank(bad, 0.9)
    assert attempt_rank(None, 0.6) > attempt_rank(None, 0.5)
