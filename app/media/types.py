"""Typed values of the media library: probe results, time ranges and encoder settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal, get_args

from .errors import MediaError

VideoCodec = Literal["h264", "h265", "webm", "gif"]
VIDEO_CODECS: tuple[str, ...] = get_args(VideoCodec)
ColourRange = Literal["tv", "pc"]


@dataclass(frozen=True)
class CodecSpec:
    """How one output codec choice maps onto ffmpeg."""

    encoder: str
    extension: str
    pix_fmt: str
    default_crf: int | None
    audio_encoder: str | None
    audio_copyable: frozenset[str] = frozenset()
    extra_args: tuple[str, ...] = ()


CODEC_SPECS: dict[str, CodecSpec] = {
    "h264": CodecSpec(
        "libx264",
        ".mp4",
        "yuv420p",
        18,
        "aac",
        frozenset({"aac", "mp3", "alac", "ac3"}),
        ("-preset", "veryfast", "-movflags", "+faststart"),
    ),
    "h265": CodecSpec(
        "libx265",
        ".mp4",
        "yuv420p",
        23,
        "aac",
        frozenset({"aac", "mp3", "alac", "ac3"}),
        ("-preset", "veryfast", "-tag:v", "hvc1", "-movflags", "+faststart", "-x265-params", "log-level=error"),
    ),
    "webm": CodecSpec(
        "libvpx-vp9",
        ".webm",
        "yuv420p",
        32,
        "libopus",
        frozenset({"opus", "vorbis"}),
        ("-b:v", "0", "-row-mt", "1", "-deadline", "realtime", "-cpu-used", "8"),
    ),
    "gif": CodecSpec("gif", ".gif", "pal8", None, None),
}


def codec_spec(codec: str) -> CodecSpec:
    """The ffmpeg settings of an output codec; an unknown name is one sentence naming it."""
    try:
        return CODEC_SPECS[codec]
    except KeyError:
        raise MediaError(f"unsupported output codec {codec!r}; choose one of {', '.join(VIDEO_CODECS)}.") from None


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says about a video file."""

    path: Path
    width: int
    height: int
    fps: Fraction
    frame_count: int
    duration: float
    codec: str
    pix_fmt: str
    color_range: str | None = None
    color_space: str | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    has_audio: bool = False
    audio_codec: str | None = None
    rotation: int = 0

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * 3


@dataclass(frozen=True)
class TimeRange:
    """A [start, end) span in seconds; end None means to the end of the clip."""

    start: float = 0.0
    end: float | None = None

    def __post_init__(self) -> None:
        if self.start < 0 or (self.end is not None and self.end <= self.start):
            raise MediaError(
                f"trim range {self.start}:{self.end} is empty or negative; give START:END with END after START."
            )

    @property
    def duration(self) -> float | None:
        return None if self.end is None else self.end - self.start

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse 'START:END' (seconds or [hh:]mm:ss(.ms); either side may be empty)."""
        head, sep, tail = text.partition(":") if text.count(":") == 1 else _split_clock_range(text)
        if not sep:
            raise MediaError(f"trim range {text!r} must look like START:END in seconds, e.g. 1.5:4 or 2: (to the end).")
        return cls(start=_seconds(head, text) if head else 0.0, end=_seconds(tail, text) if tail else None)

    def frame_span(self, fps: Fraction, frame_count: int) -> tuple[int, int]:
        """First frame and one past the last frame this range covers in a clip."""
        first = min(frame_count, int(round(self.start * fps)))
        last = frame_count if self.end is None else min(frame_count, int(round(self.end * fps)))
        return first, max(first, last)


def _split_clock_range(text: str) -> tuple[str, str, str]:
    if "-" in text:
        head, _, tail = text.partition("-")
        return head, "-", tail
    return text, "", ""


def _seconds(value: str, whole: str) -> float:
    try:
        parts = [float(p) for p in value.strip().split(":")]
    except ValueError:
        raise MediaError(f"trim range {whole!r} has a time {value!r} that is not a number of seconds.") from None
    total = 0.0
    for part in parts:
        total = total * 60 + part
    return total


@dataclass(frozen=True)
class EncodeOptions:
    """How to encode frames: codec, rate, quality, colour tags, audio and metadata."""

    codec: VideoCodec = "h264"
    fps: Fraction = Fraction(25)
    crf: int | None = None
    pix_fmt: str | None = None
    color_range: ColourRange | None = None
    color_space: str | None = None
    color_primaries: str | None = None
    color_transfer: str | None = None
    audio_source: Path | None = None
    audio_range: TimeRange | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    threads: int = 0

    def with_source_colour(self, info: VideoInfo) -> EncodeOptions:
        """These options with the colour range and space of a probed source filled in."""
        from dataclasses import replace

        range_tag = info.color_range if info.color_range in ("tv", "pc") else self.color_range
        return replace(
            self,
            color_range=range_tag,
            color_space=info.color_space or self.color_space,
            color_primaries=info.color_primaries or self.color_primaries,
            color_transfer=info.color_transfer or self.color_transfer,
        )
