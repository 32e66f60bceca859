"""Video IO with ffmpeg: probe, streaming decode/encode, audio passthrough, joining and chunking.

Pure library (numpy + the ffmpeg/ffprobe executables); relative imports only, so ComfyUI nodes can load it
through the adapter. Frames are H x W x 3 RGB uint8 arrays and always stream: nothing holds a whole clip.
"""

from .chunks import Chunk, crossfade, plan_chunks, stitch_chunks
from .decode import iter_frames, read_frame
from .edit import concat, cut_frames, first_frame_index, retag
from .encode import VideoWriter, encode_frames
from .errors import MediaError
from .ffprobe import probe, read_tags
from .types import CODEC_SPECS, VIDEO_CODECS, EncodeOptions, TimeRange, VideoCodec, VideoInfo, codec_spec

__all__ = [
    "CODEC_SPECS",
    "Chunk",
    "EncodeOptions",
    "MediaError",
    "TimeRange",
    "VIDEO_CODECS",
    "VideoCodec",
    "VideoInfo",
    "VideoWriter",
    "codec_spec",
    "concat",
    "crossfade",
    "cut_frames",
    "encode_frames",
    "first_frame_index",
    "iter_frames",
    "plan_chunks",
    "probe",
    "read_frame",
    "read_tags",
    "retag",
    "stitch_chunks",
]
