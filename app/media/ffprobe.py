"""ffprobe JSON -> VideoInfo, with clear sentences for missing, unreadable and empty files."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import MediaError
from .types import VideoInfo

PROBE_TIMEOUT_S = 60.0


def require_tool(name: str) -> str:
    """The path of ffmpeg/ffprobe, or one sentence saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise MediaError(f"{name} is not installed; install it (Debian: apt-get install ffmpeg) and retry.")
    return path


@functools.lru_cache(maxsize=1)
def available_decoders() -> frozenset[str]:
    """Names of the video/audio decoders this ffmpeg build has."""
    out = subprocess.run(
        [require_tool("ffmpeg"), "-hide_banner", "-decoders"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S
    ).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "VAS":
            names.add(parts[1])
    return frozenset(names)


def run_ffprobe(path: Path, timeout: float = PROBE_TIMEOUT_S, count_packets: bool = False) -> dict[str, Any]:
    args = [require_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_streams", "-show_format"]
    if count_packets:
        args += ["-count_packets", "-select_streams", "v:0"]
    try:
        done = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise MediaError(
            f"{path} could not be probed within {timeout:.0f} s; is it on a slow or stalled drive?"
        ) from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise MediaError(f"{path} is not a readable video ({reason}); re-export it as MP4/WebM and retry.")
    return json.loads(done.stdout or "{}")


def parse_fraction(text: str | None) -> Fraction | None:
    if not text or text in ("0/0", "N/A"):
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def video_info_from_json(path: Path, data: dict[str, Any]) -> VideoInfo:
    """Build VideoInfo from ffprobe's JSON (pure; tested on recorded JSON)."""
    streams = data.get("streams", [])
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")),
        None,
    )
    if video is None:
        raise MediaError(f"{path} has no video stream; choose a video file.")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fps = parse_fraction(video.get("avg_frame_rate")) or parse_fraction(video.get("r_frame_rate"))
    if fps is None:
        raise MediaError(f"{path} has no frame rate in its video stream; re-export it with a constant frame rate.")
    duration = _float(video.get("duration")) or _float(data.get("format", {}).get("duration")) or 0.0
    frames = _int(video.get("nb_frames")) or _int(video.get("nb_read_packets"))
    if not frames:
        frames = int(round(duration * fps))
    rotation = 0
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            rotation = int(side["rotation"]) % 360
    return VideoInfo(
        path=path,
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        fps=fps,
        frame_count=int(frames),
        duration=float(duration),
        codec=str(video.get("codec_name", "unknown")),
        pix_fmt=str(video.get("pix_fmt", "unknown")),
        color_range=video.get("color_range") if video.get("color_range") in ("tv", "pc") else None,
        color_space=_tag(video.get("color_space")),
        color_primaries=_tag(video.get("color_primaries")),
        color_transfer=_tag(video.get("color_transfer")),
        has_audio=audio is not None,
        audio_codec=None if audio is None else str(audio.get("codec_name")),
        rotation=rotation,
    )


def probe(path: Path | str, timeout: float = PROBE_TIMEOUT_S) -> VideoInfo:
    """Probe a video; raise MediaError naming the file when it is missing, unreadable, empty or undecodable."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"video {path} does not exist; check the path.")
    if path.stat().st_size == 0:
        raise MediaError(f"video {path} is empty (0 bytes); choose another file.")
    data = run_ffprobe(path, timeout)
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is not None and not _int(video.get("nb_frames")):
        counted = run_ffprobe(path, timeout, count_packets=True).get("streams", [])
        if counted:
            video["nb_read_packets"] = counted[0].get("nb_read_packets")
    info = video_info_from_json(path, data)
    if info.codec not in available_decoders():
        raise MediaError(
            f"{path} uses the video codec {info.codec!r}, which this ffmpeg cannot decode; re-encode it to H.264."
        )
    if info.width <= 0 or info.height <= 0 or info.frame_count <= 0:
        raise MediaError(f"video {path} has no frames (zero length); choose another file.")
    return info


def _tag(value: Any) -> str | None:
    return None if value in (None, "unknown", "reserved", "unspecified") else str(value)


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result > 0 else None


def _int(value: Any) -> int | None:
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


def read_tags(path: Path | str, timeout: float = PROBE_TIMEOUT_S) -> dict[str, str]:
    """The container's metadata tags (format level) as ffprobe reads them back, keys lower-cased."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"video {path} does not exist; check the path.")
    tags = run_ffprobe(path, timeout).get("format", {}).get("tags") or {}
    return {str(key).lower(): str(value) for key, value in tags.items()}
