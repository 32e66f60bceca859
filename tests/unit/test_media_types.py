from fractions import Fraction

import pytest

from app.media import EncodeOptions, MediaError, TimeRange, codec_spec
from app.media.ffmpeg_builder import concat_args, decode_args, encode_args


def test_time_range_parses_seconds_clock_and_open_ends():
    assert TimeRange.parse("1.5:4") == TimeRange(1.5, 4.0)
    assert TimeRange.parse("2:") == TimeRange(2.0, None)
    assert TimeRange.parse(":3") == TimeRange(0.0, 3.0)
    assert TimeRange.parse("00:01:00-00:01:30") == TimeRange(60.0, 90.0)
    assert TimeRange(1.0, 2.0).frame_span(Fraction(10), 100) == (10, 20)
    assert TimeRange(1.0, None).frame_span(Fraction(10), 15) == (10, 15)


@pytest.mark.parametrize("text", ["4:1", "abc:2", "5"])
def test_bad_time_range_is_one_sentence(text):
    with pytest.raises(MediaError, match="trim range"):
        TimeRange.parse(text)


def test_unknown_codec_is_named():
    with pytest.raises(MediaError, match=r"unsupported output codec 'prores'; choose one of h264, h265, webm, gif"):
        codec_spec("prores")


def test_decode_args_put_trim_before_input_and_stream_raw_rgb():
    args = decode_args("ffmpeg", "in.mp4", TimeRange(1.0, 3.0))
    assert args[args.index("-ss") + 1] == "1.000000" and args.index("-ss") < args.index("-i")
    assert args[args.index("-t") + 1] == "2.000000"
    assert args[-5:] == ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]


def test_encode_args_carry_colour_audio_and_metadata():
    options = EncodeOptions(
        codec="h264",
        fps=Fraction(30000, 1001),
        crf=20,
        color_range="pc",
        color_space="bt709",
        audio_source="src.mp4",
        metadata={"tool": "Inkframe Studio"},
    )
    args = encode_args("ffmpeg", "out.mp4", 64, 48, options, source_audio_codec="aac")
    assert args[args.index("-r") + 1] == "30000/1001"
    assert args[args.index("-c:v") + 1] == "libx264" and args[args.index("-crf") + 1] == "20"
    assert args[args.index("-vf") + 1] == "scale=out_color_matrix=bt709:out_range=pc"
    assert args[args.index("-color_range") + 1] == "pc"
    assert args[args.index("-c:a") + 1] == "copy"  # AAC fits MP4: passthrough
    assert "tool=Inkframe Studio" in args


def test_audio_is_reencoded_when_the_container_cannot_hold_it_or_trimmed():
    webm = encode_args("ffmpeg", "o.webm", 64, 48, EncodeOptions(codec="webm", audio_source="s.mp4"), "aac")
    assert webm[webm.index("-c:a") + 1] == "libopus"
    trimmed = encode_args(
        "ffmpeg", "o.mp4", 64, 48, EncodeOptions(audio_source="s.mp4", audio_range=TimeRange(1, 2)), "aac"
    )
    assert trimmed[trimmed.index("-c:a") + 1] == "aac"
    assert "-an" in encode_args("ffmpeg", "o.gif", 64, 48, EncodeOptions(codec="gif", audio_source="s.mp4"), "aac")


def test_concat_copies_video_except_for_gif():
    assert "copy" in concat_args("ffmpeg", "l.txt", "o.mp4", EncodeOptions())
    gif = concat_args("ffmpeg", "l.txt", "o.gif", EncodeOptions(codec="gif"))
    assert gif[gif.index("-c:v") + 1] == "gif"


def test_video_info_from_ffprobe_json_reads_colour_rotation_and_skips_cover_art():
    from pathlib import Path

    from app.media.ffprobe import video_info_from_json

    data = {
        "streams": [
            {
                "codec_type": "video",
                "codec_name": "mjpeg",
                "disposition": {"attached_pic": 1},
                "width": 10,
                "height": 10,
            },
            {
                "codec_type": "video",
                "codec_name": "h264",
                "width": 1920,
                "height": 1080,
                "pix_fmt": "yuv420p",
                "avg_frame_rate": "30000/1001",
                "nb_frames": "300",
                "duration": "10.01",
                "color_range": "pc",
                "color_space": "bt709",
                "color_primaries": "bt709",
                "color_transfer": "unknown",
                "side_data_list": [{"rotation": -90}],
            },
            {"codec_type": "audio", "codec_name": "opus"},
        ],
        "format": {"duration": "10.02"},
    }
    info = video_info_from_json(Path("x.mp4"), data)
    assert (info.codec, info.width, info.fps, info.frame_count) == ("h264", 1920, Fraction(30000, 1001), 300)
    assert (info.color_range, info.color_space, info.color_transfer, info.rotation) == ("pc", "bt709", None, 270)
    assert info.has_audio and info.audio_codec == "opus"


def test_video_info_without_video_stream_or_rate_is_a_sentence():
    from pathlib import Path

    from app.media.ffprobe import video_info_from_json

    with pytest.raises(MediaError, match="has no video stream"):
        video_info_from_json(Path("a.m4a"), {"streams": [{"codec_type": "audio"}]})
    with pytest.raises(MediaError, match="has no frame rate"):
        video_info_from_json(
            Path("v.mp4"), {"streams": [{"codec_type": "video", "avg_frame_rate": "0/0", "r_frame_rate": "0/0"}]}
        )


def test_undecodable_codec_is_named(monkeypatch, tmp_path):
    import app.media.ffprobe as probe_module

    monkeypatch.setattr(probe_module, "available_decoders", lambda: frozenset({"h264"}))
    monkeypatch.setattr(
        probe_module,
        "run_ffprobe",
        lambda path, timeout, count_packets=False: {
            "streams": [
                {
                    "codec_type": "video",
                    "codec_name": "prores_raw",
                    "width": 8,
                    "height": 8,
                    "avg_frame_rate": "25/1",
                    "nb_frames": "5",
                }
            ]
        },
    )
    clip = tmp_path / "c.mov"
    clip.write_bytes(b"x")
    with pytest.raises(MediaError, match="uses the video codec 'prores_raw', which this ffmpeg cannot decode"):
        probe_module.probe(clip)
