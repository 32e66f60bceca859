from __future__ import annotations

from app.comfy.outputs import find_file_refs, merge_outputs


def test_images_gifs_videos_audio_once_each_and_non_file_keys_skipped():
    outputs = {
        "12": {
            "gifs": [{"filename": "clip_00001.mp4", "subfolder": "", "type": "output", "format": "video/h264-mp4"}],
            "animated": [True],
            "text": ["hello"],
        },
        "3": {
            "images": [
                {"filename": "a.png", "subfolder": "x", "type": "output"},
                {"filename": "a.png", "subfolder": "x", "type": "output"},
            ]
        },
        "9": {
            "audio": [{"filename": "s.flac", "subfolder": "audio", "type": "output"}],
            "videos": [{"filename": "v.webm", "type": "temp"}],
        },
        "20": {"mesh": [{"filename": "m.glb", "subfolder": "3d", "type": "output"}], "value": 3},
    }
    refs = find_file_refs(outputs)
    assert [(r.node_id, r.key, r.filename, r.kind, r.type) for r in refs] == [
        ("3", "images", "a.png", "image", "output"),
        ("9", "videos", "v.webm", "video", "temp"),
        ("9", "audio", "s.flac", "audio", "output"),
        ("12", "gifs", "clip_00001.mp4", "video", "output"),
        ("20", "mesh", "m.glb", "file", "output"),
    ]
    assert refs[1].subfolder == ""


def test_merge_outputs_extends_lists_without_duplicates():
    merged: dict = {}
    merge_outputs(merged, "3", {"images": [{"filename": "a.png"}]})
    merge_outputs(merged, "3", {"images": [{"filename": "a.png"}, {"filename": "b.png"}], "text": ["t"]})
    assert merged == {"3": {"images": [{"filename": "a.png"}, {"filename": "b.png"}], "text": ["t"]}}
