"""Container tags read back with ffprobe (MP4 keeps custom keys), and frame-exact cuts of a clip."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.media import (
    EncodeOptions,
    MediaError,
    concat,
    cut_frames,
    encode_frames,
    first_frame_index,
    iter_frames,
    probe,
    read_tags,
)

PROVENANCE = {
    "tool": "Inkframe Studio",
    "operation": "motion transfer",
    "date": "2026-12-02T00:00:00+00:00",
    "comment": "tool=Inkframe Studio; operation=motion transfer",
}


def numbered(count: int, size: int = 32):
    """Frames whose grey level says their index (10 levels apart survive lossy encoding)."""
    return (np.full((size, size, 3), 10 * i + 5, dtype=np.uint8) for i in range(count))


def frame_numbers(path) -> list[int]:
    return [int(round((float(frame.mean()) - 5) / 10)) for frame in iter_frames(path)]


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    return encode_frames(
        numbered(24), tmp_path_factory.mktemp("tags") / "counted.mp4", EncodeOptions(fps=Fraction(25), crf=1)
    )


@pytest.mark.parametrize("codec, suffix", [("h264", ".mp4"), ("webm", ".webm")])
def test_every_provenance_key_survives_the_container(counted, tmp_path, codec, suffix):
    out = encode_frames(
        numbered(4), tmp_path / f"tagged{suffix}", EncodeOptions(codec=codec, fps=Fraction(8), metadata=PROVENANCE)
    )
    tags = read_tags(out)
    for key, value in PROVENANCE.items():
        assert tags.get(key) == value, (key, tags)


def test_joined_mp4_keeps_custom_keys(counted, tmp_path):
    out = concat([counted, counted], tmp_path / "joined.mp4", EncodeOptions(fps=Fraction(25), metadata=PROVENANCE))
    assert {key: read_tags(out).get(key) for key in PROVENANCE} == PROVENANCE
    assert probe(out).frame_count == 48


def test_cut_starts_on_the_exact_frame_with_stride(counted, tmp_path):
    info = probe(counted)
    assert frame_numbers(counted) == list(range(24))
    cut = cut_frames(info, tmp_path / "cut.mp4", first=7, count=5, stride=3)
    assert frame_numbers(cut) == [7, 10, 13, 16, 19]
    assert probe(cut).fps == Fraction(25, 3)
    assert frame_numbers(cut_frames(info, tmp_path / "head.mp4", first=0, count=2)) == [0, 1]
    assert frame_numbers(cut_frames(info, tmp_path / "tail.mp4", first=22, count=10)) == [22, 23]


def test_first_frame_index_matches_a_decode_from_that_time(counted):
    info = probe(counted)
    from app.media import TimeRange

    for start in (0.0, 0.04, 0.05, 0.3, 0.41):
        first = next(iter(iter_frames(info, TimeRange(start))))
        assert first_frame_index(info, start) == int(round((float(first.mean()) - 5) / 10)), start


def test_bad_cut_is_one_sentence(counted, tmp_path):
    with pytest.raises(MediaError, match="cannot cut 0 frames from frame 3 every 1"):
        cut_frames(probe(counted), tmp_path / "x.mp4", first=3, count=0)


@pytest.mark.parametrize("suffix, codec", [(".mp4", "h264"), (".webm", "webm")])
def test_retag_adds_tags_without_reencoding(tmp_path, suffix, codec):
    from app.media import retag

    video = encode_frames(
        numbered(6),
        tmp_path / f"graph{suffix}",
        EncodeOptions(codec=codec, fps=Fraction(8), metadata={"title": "kept"}),
    )
    before = [frame.copy() for frame in iter_frames(video)]
    retag(video, PROVENANCE)
    tags = read_tags(video)
    assert {key: tags.get(key) for key in PROVENANCE} == PROVENANCE and tags["title"] == "kept"
    assert all(np.array_equal(a, b) for a, b in zip(before, iter_frames(video), strict=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == [video.name]
