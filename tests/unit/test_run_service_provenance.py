"""Videos saved from a ComfyUI graph run get the provenance tags in their container (or a note saying why not)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from app.media import EncodeOptions, encode_frames, read_tags
from app.services.run_service import KEEPS_TAGS, tag_video


def test_a_graph_video_is_tagged(tmp_path):
    video = encode_frames(
        (np.full((16, 16, 3), 9 * i, np.uint8) for i in range(4)),
        tmp_path / "ComfyUI_00001.webm",
        EncodeOptions(codec="webm", fps=Fraction(8)),
    )
    assert tag_video(video, "text_to_video") == []
    tags = read_tags(video)
    assert tags["tool"] == "Inkframe Studio" and tags["operation"] == "workflow text_to_video" and tags["date"]


def test_a_file_that_cannot_take_tags_is_kept_with_a_note(tmp_path):
    broken = tmp_path / "ComfyUI_00002.mp4"
    broken.write_bytes(b"not a video at all")
    notes = tag_video(broken, "image_to_video")
    assert len(notes) == 1 and notes[0].startswith("ComfyUI_00002.mp4 was saved without provenance tags: tagging ")
    assert broken.read_bytes() == b"not a video at all"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ComfyUI_00002.mp4"]


def test_a_container_without_tags_is_said_out_loud(tmp_path):
    gif = encode_frames(
        (np.full((16, 16, 3), 9 * i, np.uint8) for i in range(4)),
        tmp_path / "ComfyUI_00003.gif",
        EncodeOptions(codec="gif", fps=Fraction(8)),
    )
    assert tag_video(gif, "text_to_video") == [
        "ComfyUI_00003.gif was saved without provenance tags: its .gif container keeps no metadata."
    ]


@pytest.mark.parametrize(
    "suffix,codec", [(".mp4", "h264"), (".mov", "h264"), (".m4v", "h264"), (".mkv", "h264"), (".webm", "webm")]
)
def test_containers_trusted_without_a_read_back_do_keep_the_tags(tmp_path, suffix, codec):
    video = encode_frames(
        (np.full((16, 16, 3), 9 * i, np.uint8) for i in range(4)),
        tmp_path / f"clip{suffix}",
        EncodeOptions(codec=codec, fps=Fraction(8)),
    )
    assert suffix in KEEPS_TAGS and tag_video(video, "wan22_i2v_14b") == []
    assert read_tags(video)["operation"] == "workflow wan22_i2v_14b"
