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
    options = EncodeOptions(codec="h264", fps=Fraction(30000, 1001), crf=20, color_range="pc", color_space="bt709",
                            audio_source="src.mp4", metadata={"tool": "Inkframe Studio"})
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
    trimmed = encode_args("ffmpeg", "o.mp4", 64, 48, EncodeOptions(audio_source="s.mp4", audio_range=TimeRange(1, 2)), "aac")
    assert trimmed[trimmed.index("-c:a") + 1] == "aac"
    assert "-an" in encode_args("ffmpeg", "o.gif", 64, 48, EncodeOptions(codec="gif", audio_source="s.mp4"), "aac")


def test_concat_copies_video_except_for_gif():
    assert "copy" in concat_args("ffmpeg", "l.txt", "o.mp4", EncodeOptions())
    gif = concat_args("ffmpeg", "l.txt", "o.gif", EncodeOptions(codec="gif"))
    assert gif[gif.index("-c:v") + 1] == "gif"
