"""Core SaveVideo reports its file under "images": the file is still a video."""

from __future__ import annotations

from app.comfy.outputs import find_file_refs


def test_core_save_video_output_is_a_video():
    outputs = {
        "12": {
            "images": [{"filename": "tiny_wan_00001_.mp4", "subfolder": "video", "type": "output"}],
            "animated": [True],
        },
        "7": {"images": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]},
        "9": {"gifs": [{"filename": "AnimateDiff_00001.webm", "subfolder": "", "type": "output"}]},
    }
    assert {ref.filename: ref.kind for ref in find_file_refs(outputs)} == {
        "ComfyUI_00001_.png": "image",
        "AnimateDiff_00001.webm": "video",
        "tiny_wan_00001_.mp4": "video",
    }
