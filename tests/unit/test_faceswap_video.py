"""Video face swap on short synthetic clips (a real face panning), streamed, chunked and resumable."""

import json
import subprocess
from fractions import Fraction

import numpy as np
import pytest

from app.faceswap import (
    ContentBlocked,
    NoFaceFound,
    NsfwGate,
    SwapSettings,
    VideoJob,
    swap_video,
)
from app.faceswap.video_state import work_dir_for
from app.media import EncodeOptions, TimeRange, encode_frames, iter_frames, probe
from tests.modelkit import (
    astronaut,
    ffmpeg_available,
    make_face_clip,
    mediapipe_available,
    stand_in_engine,
)

pytestmark = pytest.mark.skipif(
    not (ffmpeg_available() and mediapipe_available()),
    reason="needs ffmpeg and mediapipe 0.10.21 (ships the face detector)",
)
SETTINGS = SwapSettings(enhancer="none")


@pytest.fixture(scope="module")
def engine():
    return stand_in_engine(enhancer=False, genderage=False)


@pytest.fixture(scope="module")
def source(engine):
    return engine.identity_from_images([("astronaut.png", astronaut())])


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_face_clip(tmp_path_factory.mktemp("fs") / "target.mp4", astronaut(), frames=24, fps=10)


def _tags(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)], capture_output=True, text=True
    )
    return json.loads(out.stdout)["format"].get("tags", {})


def test_swap_keeps_rate_frames_audio_and_writes_provenance(engine, source, clip, tmp_path):
    out = tmp_path / "out.mp4"
    events = []
    report = swap_video(engine, VideoJob(clip, out, source, SETTINGS, chunk_seconds=1.0), progress=events.append)
    info = probe(out)
    assert (info.fps, info.frame_count, info.width, info.has_audio) == (Fraction(10), 24, 256, True)
    assert report.frames == report.frames_swapped == 24 and report.unmatched == []
    assert [e.done for e in events] == list(range(1, 25)) and events[-1].total == 24
    assert "tool=Inkframe Studio; operation=face swap" in _tags(out)["comment"]
    original, swapped = next(iter_frames(clip)), next(iter_frames(out))
    assert np.abs(original.astype(int) - swapped.astype(int)).mean() > 1.0
    assert not work_dir_for(out).exists()


def test_frames_without_faces_pass_through_and_are_reported(engine, source, clip, tmp_path):
    frames = list(iter_frames(clip))
    for i in range(5):
        frames[i] = np.full_like(frames[i], 90)
    mixed = encode_frames(frames, tmp_path / "mixed.mp4", EncodeOptions(fps=Fraction(10), crf=10))
    out = tmp_path / "out.mp4"
    report = swap_video(engine, VideoJob(mixed, out, source, SETTINGS))
    assert report.unmatched == [[0, 4]] and report.frames_swapped == 19 and not report.has_audio
    first, given = next(iter_frames(out)), next(iter_frames(mixed))
    assert np.abs(first.astype(int) - given.astype(int)).mean() < 2.0  # untouched apart from re-encoding
    assert not probe(out).has_audio


def test_trim_range_and_webm(engine, source, clip, tmp_path):
    out = tmp_path / "out.webm"
    report = swap_video(engine, VideoJob(clip, out, source, SETTINGS, codec="webm", trim=TimeRange(0.5, 1.5)))
    info = probe(out)
    assert report.frames == 10 and info.frame_count == 10 and info.codec == "vp9" and info.has_audio
    assert info.duration == pytest.approx(1.0, abs=0.1)


def test_gif_output_is_joined_from_h264_segments(engine, source, clip, tmp_path):
    out = tmp_path / "out.gif"
    report = swap_video(
        engine, VideoJob(clip, out, source, SETTINGS, codec="gif", chunk_seconds=1.0, trim=TimeRange(0, 1.5))
    )
    info = probe(out)
    assert info.codec == "gif" and info.frame_count == report.frames == 15 and not info.has_audio


def test_job_key_sees_every_value_of_a_reference_embedding():
    from app.faceswap import SelectionSettings
    from app.faceswap.video_state import job_key

    a = np.zeros(512, np.float32)
    b = a.copy()
    b[300] = 1e-3  # numpy's repr would abbreviate this away
    assert job_key(SwapSettings(selection=SelectionSettings(reference=a))) != job_key(
        SwapSettings(selection=SelectionSettings(reference=b))
    )


class _Crash(Exception):
    pass


def test_resume_after_a_crash_skips_finished_chunks(engine, source, clip, tmp_path):
    out = tmp_path / "out.mp4"
    job = VideoJob(clip, out, source, SETTINGS, chunk_seconds=1.0, workers=1)

    def crash_at_15(event):
        if event.done == 15:
            raise _Crash()

    with pytest.raises(_Crash):
        swap_video(engine, job, progress=crash_at_15)
    state = json.loads((work_dir_for(out) / "state.json").read_text())
    assert state["segments"] == ["segment-00000.mp4"] and not out.exists()

    calls = []
    original = engine.process

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    engine.process = counting
    try:
        report = swap_video(engine, job)
    finally:
        del engine.process
    assert report.resumed_chunks == 1 and len(calls) == 14
    assert probe(out).frame_count == 24 and report.frames == 24


def test_changed_settings_restart_instead_of_resuming(engine, source, clip, tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.raises(_Crash):
        swap_video(
            engine,
            VideoJob(clip, out, source, SETTINGS, chunk_seconds=1.0),
            progress=lambda e: (_ for _ in ()).throw(_Crash()) if e.done == 12 else None,
        )
    report = swap_video(
        engine, VideoJob(clip, out, source, SwapSettings(enhancer="none", smoothing=0.0), chunk_seconds=1.0)
    )
    assert report.resumed_chunks == 0 and report.frames == 24


def test_clip_without_any_face_is_an_error_naming_the_frames(engine, source, tmp_path):
    blank = encode_frames(
        [np.full((64, 64, 3), 40, np.uint8)] * 6, tmp_path / "blank.mp4", EncodeOptions(fps=Fraction(6))
    )
    out = tmp_path / "out.mp4"
    with pytest.raises(NoFaceFound, match="in any of the 6 frames of"):
        swap_video(engine, VideoJob(blank, out, source, SETTINGS))
    assert not out.exists() and not work_dir_for(out).exists()


def test_nsfw_video_rule_blocks_and_saves_nothing(engine, source, clip, tmp_path):
    out = tmp_path / "out.mp4"
    gate = NsfwGate(lambda frame: 1.0, threshold=0.6, video_share=0.1, sample_every=4)
    calls = []
    with pytest.raises(
        ContentBlocked, match=r"1 of 1 sampled frames \(frames 0\)"
    ):  # certain after the first hit: stops early
        swap_video(engine, VideoJob(clip, out, source, SETTINGS), gate=gate, progress=calls.append)
    assert calls == []  # stopped at the first frame, before it was written
    assert not out.exists() and not work_dir_for(out).exists()
