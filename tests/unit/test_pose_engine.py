"""The pose method's engine choice (app/workflows/pose_engine.py): Wan 2.2 Fun Control where the backend has it."""

from __future__ import annotations

import pytest

from app.workflows.families import detect_families
from app.workflows.pose_engine import PoseEngineError, choose_pose_engine, wan_length, wan_run_limit

from .test_video_families import FIVE_B, FUN, I2V, TE, VAE21, files

SD15 = {"checkpoints": ["v1-5-pruned-emaonly.safetensors"]}
FUN_CONTROL = {"diffusion_models": FUN, "text_encoders": [TE], "vae": [VAE21]}


def test_auto_takes_wan_fun_control_with_the_backends_own_files() -> None:
    choice = choose_pose_engine(detect_families(files(SD15, FIVE_B, I2V, FUN_CONTROL)))
    assert (choice.engine, choice.workflow, choice.family) == ("wan", "wan22_pose_control", "wan22_fun_control_14b")
    assert choice.models == {
        "high_noise_model": FUN[0],
        "low_noise_model": FUN[1],
        "text_encoder": TE,
        "vae": VAE21,
    }


def test_auto_keeps_animatediff_without_fun_control() -> None:
    for listing in (files(SD15), files(SD15, FIVE_B, I2V)):
        choice = choose_pose_engine(detect_families(listing))
        assert (choice.engine, choice.workflow, choice.family, choice.models) == (
            "animatediff",
            "pose_animation",
            None,
            {},
        )


def test_animatediff_can_be_forced_where_wan_is_present() -> None:
    choice = choose_pose_engine(detect_families(files(SD15, FUN_CONTROL)), "animatediff")
    assert choice.workflow == "pose_animation"
    assert choice.sentence() == "Pose animation runs pose_animation (AnimateDiff + ControlNet OpenPose + IPAdapter)."


def test_a_forced_wan_engine_without_its_files_is_refused_in_one_sentence() -> None:
    with pytest.raises(PoseEngineError) as missing:
        choose_pose_engine(detect_families(files(SD15)), "wan")
    assert str(missing.value) == (
        "the wan engine cannot run here: Wan 2.2 14B Fun Control (pose-driven video) is not on this backend: no model "
        "file names it (put the Fun Control high/low noise models in models/diffusion_models, umt5 in "
        "models/text_encoders and wan_2.1_vae in models/vae), or use --engine animatediff."
    )
    with pytest.raises(PoseEngineError, match=r"it lacks the vae file\(s\) \(put the Fun Control"):
        choose_pose_engine(detect_families(files({"diffusion_models": FUN, "text_encoders": [TE]})), "wan")


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(PoseEngineError, match="engine 'svd' is not known; use one of auto, wan, animatediff."):
        choose_pose_engine(detect_families(files(SD15)), "svd")


def test_wan_runs_render_4n_plus_1_frames_and_at_most_81() -> None:
    assert [wan_length(n) for n in (1, 2, 5, 6, 9, 15, 17, 81)] == [1, 5, 5, 9, 9, 17, 17, 81]
    assert [wan_run_limit(m) for m in (None, 241, 12, 9, 1)] == [81, 81, 9, 9, 1]
