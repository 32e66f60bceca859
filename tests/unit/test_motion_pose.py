"""Pose extraction with MediaPipe's shipped BlazePose model on real pixels (scikit-image's astronaut)."""

from __future__ import annotations

import numpy as np
import pytest

from app.motion.pose import PoseError, PoseOptions, extract_poses, format_ranges
from app.motion.pose_smoothing import smooth_sequence
from app.motion.pose_types import Keypoint, PoseFrame, PoseSequence
from app.motion.skeleton import draw_skeleton, to_openpose

skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skimage_data.astronaut()


def clip(image: np.ndarray, count: int, blank: set[int] = frozenset()) -> list[np.ndarray]:
    """Frames of the photo drifting right by 2 px a frame; indices in `blank` are empty grey frames."""
    frames = []
    for index in range(count):
        frame = np.roll(image, 2 * index, axis=1) if index not in blank else np.full_like(image, 128)
        frames.append(frame)
    return frames


def test_detects_person_in_every_frame_and_tracks_motion(astronaut):
    sequence = extract_poses(clip(astronaut, 6), fps=12, options=PoseOptions(smooth=False))
    assert [frame.index for frame in sequence.frames] == list(range(6))
    assert sequence.missing_frames() == []
    assert (sequence.width, sequence.height) == (512, 512)
    nose_x = [frame.keypoints[0].x for frame in sequence.frames]
    assert nose_x[-1] > nose_x[0]  # the person moves right by 10 px over the clip


def test_trim_and_stride_select_frames(astronaut):
    options = PoseOptions(start_s=0.25, end_s=0.75, stride=2, smooth=False)
    sequence = extract_poses(clip(astronaut, 12), fps=12, options=options)
    assert [frame.index for frame in sequence.frames] == [3, 5, 7]
    assert sequence.fps == 6


def test_no_person_names_the_frames(astronaut):
    with pytest.raises(PoseError) as info:
        extract_poses(clip(astronaut, 6, blank={1, 2, 3, 4, 5}), fps=6, source="ref.mp4")
    assert str(info.value).startswith("no person detected in 5 of 6 frames of ref.mp4 (frames 1-5);")


def test_bad_options_are_one_sentence():
    with pytest.raises(PoseError, match="frame stride 0 is not allowed"):
        extract_poses([], fps=10, options=PoseOptions(stride=0))
    with pytest.raises(PoseError, match="trim range 2.0..1.0 s is empty"):
        extract_poses([], fps=10, options=PoseOptions(start_s=2.0, end_s=1.0))


def test_json_round_trip(astronaut):
    sequence = extract_poses(clip(astronaut, 2), fps=10, options=PoseOptions(smooth=False))
    again = PoseSequence.from_json(sequence.to_json())
    assert len(again.frames) == 2 and len(again.frames[0].keypoints) == 33
    assert again.frames[1].keypoints[0].x == pytest.approx(sequence.frames[1].keypoints[0].x, abs=1e-4)


def test_smoothing_reduces_jitter():
    rng = np.random.default_rng(0)
    frames = [
        PoseFrame(i, i / 30, tuple(Keypoint(0.5 + rng.normal(0, 0.01), 0.5, 1.0) for _ in range(33))) for i in range(60)
    ]
    raw = PoseSequence(30, 100, 100, frames=frames)
    smoothed = smooth_sequence(raw)
    jitter = lambda seq: np.std(np.diff([f.keypoints[0].x for f in seq.frames]))  # noqa: E731
    assert jitter(smoothed) < 0.5 * jitter(raw)


def test_skeleton_is_drawn_where_the_person_is(astronaut):
    sequence = extract_poses(clip(astronaut, 1), fps=10, options=PoseOptions(smooth=False))
    points = to_openpose(sequence.frames[0].keypoints)
    assert points[1] is not None  # neck from both shoulders
    image = draw_skeleton(sequence.frames[0].keypoints, 256, 256)
    assert image.shape == (256, 256, 3)
    lit = np.argwhere(image.max(axis=2) > 0)
    assert len(lit) > 200
    nose = points[0]
    assert image[int(nose.y * 256), int(nose.x * 256)].max() > 0


def test_format_ranges():
    assert format_ranges([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert format_ranges([]) == ""
