"""Probe / decode / encode / join on short synthetic clips made with ffmpeg's lavfi at test time."""

from fractions import Fraction

import numpy as np
import pytest

from app.media import (
    EncodeOptions,
    MediaError,
    TimeRange,
    VideoWriter,
    concat,
    encode_frames,
    iter_frames,
    probe,
)
from tests.modelkit import ffmpeg_available, make_clip

pytestmark = pytest.mark.skipif(
    not ffmpeg_available(), reason="ffmpeg/ffprobe are not installed (apt-get install ffmpeg)"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip") / "src.mp4", seconds=2, fps=10, size=(64, 48))


def test_probe_reads_size_rate_count_codec_and_audio(clip):
    info = probe(clip)
    assert (info.width, info.height, info.fps, info.frame_count) == (64, 48, Fraction(10), 20)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p" and info.has_audio and info.audio_codec == "aac"
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_probe_counts_frames_of_webm_without_nb_frames(tmp_path):
    info = probe(make_clip(tmp_path / "c.webm", seconds=1, fps=12, audio=False, codec="libvpx-vp9"))
    assert info.frame_count == 12 and not info.has_audio and info.codec == "vp9"


def test_decode_streams_rgb_frames_and_trims(clip):
    frames = iter_frames(clip)
    first = next(frames)
    assert first.shape == (48, 64, 3) and first.dtype == np.uint8
    assert 1 + sum(1 for _ in frames) == 20
    assert len(list(iter_frames(clip, TimeRange(0.5, 1.5)))) == 10


def test_breaking_out_of_decode_stops_ffmpeg(clip, monkeypatch):
    import threading
    import time

    from app.media import decode

    started = []

    class Recorded(decode.FfmpegProcess):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(decode, "FfmpegProcess", Recorded)
    frames = iter_frames(clip)
    next(frames)
    [process] = started
    begun = time.monotonic()
    frames.close()  # must not hang or leak the child
    assert time.monotonic() - begun < 10
    assert process.proc.poll() is not None, "the ffmpeg child still runs after the generator was closed"
    assert not any(t.name == "media-decode" and t.is_alive() for t in threading.enumerate())


@pytest.mark.parametrize(
    "codec,ext,want",
    [("h264", ".mp4", "h264"), ("h265", ".mp4", "hevc"), ("webm", ".webm", "vp9"), ("gif", ".gif", "gif")],
)
def test_encode_each_codec_keeps_rate_count_and_audio(clip, tmp_path, codec, ext, want):
    src = probe(clip)
    out = encode_frames(
        iter_frames(src),
        tmp_path / f"o{ext}",
        EncodeOptions(codec=codec, fps=src.fps, audio_source=clip, metadata={"comment": "x"}),
    )
    info = probe(out)
    assert (info.codec, info.fps, info.frame_count, info.width) == (want, Fraction(10), 20, 64)
    assert info.has_audio == (codec != "gif")


def test_encoded_pixels_round_trip_closely(clip, tmp_path):
    frames = list(iter_frames(clip))
    out = encode_frames(frames, tmp_path / "rt.mp4", EncodeOptions(fps=Fraction(10), crf=0))
    again = list(iter_frames(out))
    assert np.abs(again[5].astype(int) - frames[5].astype(int)).mean() < 3.0


def test_full_colour_range_is_tagged(clip, tmp_path):
    out = encode_frames(
        iter_frames(clip), tmp_path / "pc.mp4", EncodeOptions(fps=Fraction(10), color_range="pc", color_space="bt709")
    )
    info = probe(out)
    assert info.color_range == "pc" and info.color_space == "bt709"


def test_concat_joins_segments_and_adds_audio_and_metadata(clip, tmp_path):
    src = probe(clip)
    seg_a = encode_frames(iter_frames(clip, TimeRange(0, 1)), tmp_path / "a.mp4", EncodeOptions(fps=src.fps))
    seg_b = encode_frames(iter_frames(clip, TimeRange(1, None)), tmp_path / "b.mp4", EncodeOptions(fps=src.fps))
    out = concat(
        [seg_a, seg_b],
        tmp_path / "joined.mp4",
        EncodeOptions(fps=src.fps, audio_source=clip, metadata={"title": "joined"}),
    )
    info = probe(out)
    assert info.frame_count == 20 and info.has_audio
    import json
    import subprocess

    tags = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(out)],
            capture_output=True,
            text=True,
        ).stdout
    )["format"]["tags"]
    assert tags["title"] == "joined"


def test_bad_inputs_are_one_sentence(tmp_path):
    with pytest.raises(MediaError, match="does not exist"):
        probe(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError, match=r"is empty \(0 bytes\)"):
        probe(tmp_path / "empty.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"this is not a video" * 10)
    with pytest.raises(MediaError, match="is not a readable video"):
        probe(tmp_path / "junk.mp4")
    with pytest.raises(MediaError, match="even frame size"):
        VideoWriter(tmp_path / "odd.mp4", 63, 48)
    with pytest.raises(MediaError, match="nothing to encode"):
        encode_frames([], tmp_path / "none.mp4")


def test_wrong_frame_shape_is_named(tmp_path):
    with pytest.raises(MediaError, match=r"takes \(48, 64, 3\) uint8"):
        with VideoWriter(tmp_path / "o.mp4", 64, 48) as writer:
            writer.write(np.zeros((10, 10, 3), np.uint8))
    assert not (tmp_path / "o.mp4").exists()
