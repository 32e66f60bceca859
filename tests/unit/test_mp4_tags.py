"""Provenance tags written into MP4 files in Python (app/media/mp4_tags.py), read back by ffprobe."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from app.media import EncodeOptions, encode_frames, iter_frames, probe, read_tags
from app.media.mp4_tags import Mp4TagError, write_mp4_tags

TAGS = {"tool": "Inkframe Studio", "operation": "workflow wan22_i2v_14b", "date": "2026-12-02T05:00:00Z"}


def frames(path: Path) -> np.ndarray:
    return np.stack(list(iter_frames(probe(path))))


def moov_first(path: Path) -> bool:
    data = path.read_bytes()
    return data.index(b"moov") < data.index(b"mdat")


def test_faststart_file_keeps_its_pictures_and_gains_the_tags(tmp_path: Path) -> None:
    clip = encode_frames(
        (np.full((32, 32, 3), 40 * i, np.uint8) for i in range(5)),
        tmp_path / "fast.mp4",
        EncodeOptions(fps=Fraction(8)),
    )
    assert moov_first(clip)  # chunk offsets must move with the bigger moov
    before = frames(clip)
    write_mp4_tags(clip, TAGS)
    assert {k: read_tags(clip)[k] for k in TAGS} == TAGS
    assert np.array_equal(frames(clip), before) and probe(clip).frame_count == 5


def test_moov_at_the_end_keeps_existing_tags_and_a_key_given_again_is_replaced(tmp_path: Path) -> None:
    clip = tmp_path / "comfy.mp4"  # laid out like ComfyUI's SaveVideo output: moov last, mdta tags already there
    subprocess.run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=32x32:rate=8",
            "-frames:v",
            "5",
            "-c:v",
            "libx264",
            "-metadata",
            'prompt={"1": {}}',
            "-movflags",
            "use_metadata_tags",
            str(clip),
        ],
        check=True,
    )
    assert not moov_first(clip)
    before = frames(clip)
    write_mp4_tags(clip, TAGS)
    write_mp4_tags(clip, {"operation": "again"})
    tags = read_tags(clip)
    assert (tags["prompt"], tags["tool"], tags["operation"]) == ('{"1": {}}', "Inkframe Studio", "again")
    assert np.array_equal(frames(clip), before)


def test_not_an_mp4_is_refused_and_left_alone(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00 and then garbage")
    with pytest.raises(Mp4TagError):
        write_mp4_tags(junk, TAGS)
    assert junk.read_bytes().endswith(b"and then garbage")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.mp4"]
