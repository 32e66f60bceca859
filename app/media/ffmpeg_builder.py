"""Pure builders of ffmpeg argument lists (tested as plain values)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from .types import EncodeOptions, TimeRange, codec_spec

# ffprobe colour-space names -> swscale matrix names for the RGB -> YUV conversion.
_SWS_MATRIX = {
    "bt709": "bt709",
    "smpte170m": "bt601",
    "bt470bg": "bt601",
    "fcc": "fcc",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}


def fps_text(fps: Fraction) -> str:
    return f"{fps.numerator}/{fps.denominator}"


def input_range_args(time_range: TimeRange | None) -> list[str]:
    """-ss/-t placed before an -i: fast and, for decoding, frame accurate."""
    if time_range is None:
        return []
    args = ["-ss", f"{time_range.start:.6f}"] if time_range.start > 0 else []
    if time_range.duration is not None:
        args += ["-t", f"{time_range.duration:.6f}"]
    return args


def decode_args(
    ffmpeg: str,
    path: Path,
    time_range: TimeRange | None = None,
    size: tuple[int, int] | None = None,
    pix_fmt: str = "rgb24",
    threads: int = 0,
) -> list[str]:
    """Decode a video to raw frames on stdout; size (w, h) scales on the way."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-threads", str(threads)]
    args += [*input_range_args(time_range), "-i", str(path), "-map", "0:v:0", "-an", "-sn"]
    if size is not None:
        args += ["-vf", f"scale={size[0]}:{size[1]}:flags=bicubic"]
    return [*args, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", pix_fmt, "pipe:1"]


def colour_args(options: EncodeOptions) -> list[str]:
    args: list[str] = []
    if options.color_range:
        args += ["-color_range", options.color_range]
    if options.color_space:
        args += ["-colorspace", options.color_space]
    if options.color_primaries:
        args += ["-color_primaries", options.color_primaries]
    if options.color_transfer:
        args += ["-color_trc", options.color_transfer]
    return args


def video_filter(options: EncodeOptions) -> str | None:
    """The scale filter that converts RGB into the tagged matrix and range (None for GIF)."""
    if options.codec == "gif":
        return "split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer"
    parts = []
    matrix = _SWS_MATRIX.get(options.color_space or "")
    if matrix:
        parts.append(f"out_color_matrix={matrix}")
    if options.color_range:
        parts.append(f"out_range={options.color_range}")
    return "scale=" + ":".join(parts) if parts else None


def audio_args(options: EncodeOptions, source_audio_codec: str | None) -> tuple[list[str], list[str]]:
    """(input args, output args) that carry the source's audio, copied when the container allows."""
    spec = codec_spec(options.codec)
    if options.audio_source is None or source_audio_codec is None or spec.audio_encoder is None:
        return [], ["-an"]
    inputs = [*input_range_args(options.audio_range), "-i", str(options.audio_source)]
    copy = source_audio_codec in spec.audio_copyable and options.audio_range is None
    codec = ["-c:a", "copy"] if copy else ["-c:a", spec.audio_encoder, "-b:a", "160k"]
    return inputs, ["-map", "1:a:0", *codec, "-shortest"]


MP4_CODECS = ("h264", "h265")


def metadata_args(metadata: dict[str, str], codec: str | None = None) -> list[str]:
    """-metadata key=value for each entry; for MP4 also the muxer flag that keeps keys outside its short list.

    ffmpeg's mp4 muxer writes only a few standard keys (title, comment, ...) and silently drops the rest
    (tool, operation) unless `-movflags use_metadata_tags` is given; this -movflags replaces the codec's."""
    args: list[str] = []
    for key, value in metadata.items():
        args += ["-metadata", f"{key}={value}"]
    if metadata and codec in MP4_CODECS:
        args += ["-movflags", "+faststart+use_metadata_tags"]
    return args


def encode_args(
    ffmpeg: str,
    out: Path,
    width: int,
    height: int,
    options: EncodeOptions,
    source_audio_codec: str | None = None,
    input_pix_fmt: str = "rgb24",
) -> list[str]:
    """Encode raw frames read from stdin into `out` with codec, rate, quality, colour, audio and metadata."""
    spec = codec_spec(options.codec)
    args = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        input_pix_fmt,
        "-s",
        f"{width}x{height}",
        "-r",
        fps_text(options.fps),
        "-i",
        "pipe:0",
    ]
    audio_in, audio_out = audio_args(options, source_audio_codec)
    args += audio_in
    args += ["-map", "0:v:0", *audio_out]
    vf = video_filter(options)
    if vf:
        args += ["-filter_complex" if options.codec == "gif" else "-vf", vf]
    args += ["-c:v", spec.encoder, *spec.extra_args]
    if options.codec != "gif":
        args += ["-pix_fmt", options.pix_fmt or spec.pix_fmt]
        crf = options.crf if options.crf is not None else spec.default_crf
        if crf is not None:
            args += ["-crf", str(crf)]
        args += colour_args(options)
    if options.threads:
        args += ["-threads", str(options.threads)]
    args += ["-r", fps_text(options.fps), *metadata_args(options.metadata, options.codec), str(out)]
    return args


def concat_args(
    ffmpeg: str, list_file: Path, out: Path, options: EncodeOptions, source_audio_codec: str | None = None
) -> list[str]:
    """Join segments listed in an ffconcat file by stream copy, adding the source audio and metadata."""
    args = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(list_file),
    ]
    audio_in, audio_out = audio_args(options, source_audio_codec)
    args += [*audio_in, "-map", "0:v:0", *audio_out]
    if options.codec == "gif":  # GIF segments are not joinable by copy: they are stored as H.264 and converted here
        args += ["-filter_complex", str(video_filter(options)), "-c:v", "gif"]
    else:
        args += ["-c:v", "copy"]
    if options.codec in MP4_CODECS and not options.metadata:
        args += ["-movflags", "+faststart"]
    return [*args, *metadata_args(options.metadata, options.codec), str(out)]


MP4_SUFFIXES = (".mp4", ".m4v", ".mov")


def retag_args(ffmpeg: str, source: Path, out: Path, metadata: dict[str, str]) -> list[str]:
    """Copy every stream of `source` into `out` unchanged, keeping its tags and adding `metadata`."""
    args = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-map",
        "0",
        "-c",
        "copy",
        "-map_metadata",
        "0",
    ]
    codec = "h264" if out.suffix.lower() in MP4_SUFFIXES else None
    return [*args, *metadata_args(metadata, codec), str(out)]
