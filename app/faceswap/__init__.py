"""Face swap for images and video: insightface analysis + INSwapper, GFPGAN restoration, safe by default.

Pure library: relative imports only (the ComfyUI nodes load it through the adapter); heavy packages
(insightface, onnxruntime, torch, gfpgan, mediapipe, nudenet) are imported when a model is loaded.
"""

from .engine import EngineParts, FaceSwapEngine, FrameOutcome, load_parts, load_rgb, new_tracker, resolve_selection
from .errors import ConsentRequired, ContentBlocked, FaceSwapError, ModelFileError, NoFaceFound
from .frames import describe_face, restore_faces, swap_frames
from .image import ImageJob, ImageReport, swap_image
from .models import ROLE_DEFAULTS, ModelCatalog, ModelSpec, catalog_from_manifest, sha256_of, spec_from_entry
from .nsfw import NsfwGate, NudenetClassifier, VideoGateTally
from .runtime import RuntimeSettings
from .safety import Provenance, check_output_path, draw_visible_mark, read_image_provenance, require_consent, save_image
from .selection import average_identity, cosine_distance, select_faces
from .smoothing import FaceTracker
from .types import (
    DETECTOR_KINDS,
    ENHANCERS,
    GENDERS,
    ONE_MODES,
    SELECTORS,
    Detection,
    Face,
    SelectionSettings,
    SourceIdentity,
    SwapSettings,
)
from .video import Progress, VideoJob, VideoReport, swap_video

__all__ = [
    "ConsentRequired",
    "ContentBlocked",
    "DETECTOR_KINDS",
    "Detection",
    "ENHANCERS",
    "EngineParts",
    "Face",
    "FaceSwapEngine",
    "FaceSwapError",
    "FaceTracker",
    "FrameOutcome",
    "GENDERS",
    "ImageJob",
    "ImageReport",
    "ModelCatalog",
    "ModelFileError",
    "ModelSpec",
    "NoFaceFound",
    "NsfwGate",
    "NudenetClassifier",
    "ONE_MODES",
    "Progress",
    "Provenance",
    "ROLE_DEFAULTS",
    "RuntimeSettings",
    "SELECTORS",
    "SelectionSettings",
    "SourceIdentity",
    "SwapSettings",
    "VideoGateTally",
    "VideoJob",
    "VideoReport",
    "average_identity",
    "catalog_from_manifest",
    "check_output_path",
    "cosine_distance",
    "describe_face",
    "draw_visible_mark",
    "load_parts",
    "load_rgb",
    "new_tracker",
    "read_image_provenance",
    "require_consent",
    "resolve_selection",
    "restore_faces",
    "save_image",
    "select_faces",
    "sha256_of",
    "spec_from_entry",
    "swap_frames",
    "swap_image",
    "swap_video",
]
