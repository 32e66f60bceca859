"""Motion methods on a live ComfyUI: preflight names the node packs a stock server lacks, before anything is queued."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.media import EncodeOptions, encode_frames
from app.services.motion_service import MotionError, MotionRequest, run_on_comfyui

pytestmark = pytest.mark.integration
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image provides the astronaut test photo")


def test_pose_animation_names_missing_packs(live_comfyui, comfy_client, tmp_path):
    if {"ADE_AnimateDiffLoaderGen1", "DWPreprocessor"} <= set(comfy_client.object_info()):
        pytest.skip("this ComfyUI has AnimateDiff and the ControlNet preprocessors; the refusal path does not apply")
    from PIL import Image

    photo = skimage_data.astronaut()
    clip = encode_frames(
        (np.roll(photo, 2 * i, axis=1) for i in range(6)), tmp_path / "ref.mp4", EncodeOptions(fps=Fraction(6))
    )
    target = tmp_path / "hero.png"
    Image.fromarray(photo).save(target)
    with pytest.raises(MotionError) as error:
        run_on_comfyui(
            MotionRequest(reference=clip, out=tmp_path / "o.mp4", method="pose", target=target), live_comfyui
        )
    message = str(error.value)
    assert message.startswith(f"pose animation cannot run on {live_comfyui}: it lacks node packs, install them with ")
    assert "`comfy node install comfyui-animatediff-evolved`" in message
    assert not (tmp_path / "o.mp4").exists()
