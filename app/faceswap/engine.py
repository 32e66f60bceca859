"""The face-swap engine: analysis, selection, swap, restoration and paste-back for one frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .analyzer import FaceAnalyzer, load_insightface_model
from .detectors import Detector, InsightfaceDetector, MediapipeDetector
from .errors import FaceSwapError
from .models import ModelCatalog
from .paste import align_to_template, feather_mask, paste_back
from .restore import GfpganRestorer
from .runtime import RuntimeSettings, session_kwargs, torch_device
from .selection import average_identity, select_faces
from .smoothing import FaceTracker
from .swapper import Swapper
from .types import Detection, DetectorKind, Face, SelectionSettings, SourceIdentity, SwapSettings


@dataclass
class FrameOutcome:
    """One processed frame and what happened in it."""

    frame: np.ndarray
    faces_found: int = 0
    faces_swapped: int = 0


@dataclass
class EngineParts:
    """The loaded models; restorer and genderage are optional."""

    analyzer: FaceAnalyzer
    swapper: Swapper
    restorer: GfpganRestorer | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_detector(
    kind: DetectorKind, catalog: ModelCatalog, names: dict[str, str], kwargs: dict[str, Any]
) -> Detector:
    if kind == "insightface" or (kind == "auto" and catalog.exists(names["detector"])):
        return InsightfaceDetector(catalog.require(names["detector"]), kwargs)
    return MediapipeDetector()


def load_parts(
    catalog: ModelCatalog,
    names: dict[str, str],
    runtime: RuntimeSettings,
    detector: DetectorKind = "auto",
    enhancer: bool = True,
    genderage: bool = False,
) -> EngineParts:
    """Load the models the engine needs from the catalogue; every file is checked (presence, sha256)
    before any loads."""
    roles = ["recognition", "swapper"] + (["genderage"] if genderage else []) + (["gfpgan"] if enhancer else [])
    paths = {role: catalog.require(names[role]) for role in roles}
    kwargs = session_kwargs(runtime)
    analyzer = FaceAnalyzer(
        build_detector(detector, catalog, names, kwargs),
        load_insightface_model(paths["recognition"], kwargs, "recognition"),
        load_insightface_model(paths["genderage"], kwargs, "genderage") if genderage else None,
    )
    swapper = Swapper(paths["swapper"], kwargs)
    restorer = GfpganRestorer(paths["gfpgan"], torch_device(runtime)) if enhancer else None
    return EngineParts(analyzer=analyzer, swapper=swapper, restorer=restorer)


class FaceSwapEngine:
    """Swap faces in RGB frames; thread-safe (each model call is serialised by its own lock)."""

    def __init__(self, parts: EngineParts) -> None:
        self.parts = parts

    @property
    def analyzer(self) -> FaceAnalyzer:
        return self.parts.analyzer

    def identity_from_images(self, images: list[tuple[str, np.ndarray]]) -> SourceIdentity:
        """Average identity of the largest face of each (name, RGB image); a faceless source is named."""
        return average_identity([(name, self.analyzer.analyze(rgb)) for name, rgb in images])

    def reference_embedding(self, name: str, rgb: np.ndarray) -> np.ndarray:
        faces = self.analyzer.analyze(rgb)
        if not faces:
            from .errors import NoFaceFound

            raise NoFaceFound(
                f"no face was found in the reference image {name}; use a picture where the face is clear."
            )
        return faces[0].normed_embedding

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        return self.analyzer.detector.detect(rgb)

    def process(
        self, rgb: np.ndarray, source: SourceIdentity, settings: SwapSettings, detections: list[Detection] | None = None
    ) -> FrameOutcome:
        """Swap the selected faces of one frame; a frame without (selected) faces passes through unchanged."""
        selection = settings.selection
        found = self.detect(rgb) if detections is None else detections
        if not found:
            return FrameOutcome(frame=rgb, faces_found=0)
        needs_embedding = selection.selector == "reference"
        faces = self.analyzer.analyze(rgb, detections=found, embed=needs_embedding)
        chosen = select_faces(faces, selection)
        if not chosen:
            return FrameOutcome(frame=rgb, faces_found=len(faces))
        out = np.array(rgb, copy=True)
        for face in chosen:
            self.swap_face(out, face, source, settings)
        return FrameOutcome(frame=out, faces_found=len(faces), faces_swapped=len(chosen))

    def swap_face(self, frame: np.ndarray, face: Face, source: SourceIdentity, settings: SwapSettings) -> None:
        crop, matrix = self.parts.swapper.swap(frame, face, source)
        paste_back(frame, crop, matrix, feather_mask(crop.shape[0], settings.mask_blur, settings.mask_padding))
        if settings.enhancer != "none":
            self.restore_face(frame, face, settings.blend, settings.mask_blur)

    def restore_face(self, frame: np.ndarray, face: Face, blend: float, mask_blur: float = 0.3) -> None:
        """GFPGAN on the FFHQ-aligned face, mixed with the unrestored face by `blend`, pasted back feathered."""
        restorer = self.parts.restorer
        if restorer is None:
            raise FaceSwapError(
                "the gfpgan enhancer was asked for but not loaded; choose --enhancer none or add GFPGANv1.4.pth."
            )
        if blend <= 0:
            return
        aligned, matrix = align_to_template(frame, face.kps, restorer.size)
        restored = restorer.restore(aligned)
        paste_back(frame, restored, matrix, feather_mask(restorer.size, mask_blur), amount=min(1.0, blend))


def new_tracker(settings: SwapSettings) -> FaceTracker | None:
    return FaceTracker(strength=settings.smoothing) if settings.smoothing > 0 else None


def resolve_selection(
    engine: FaceSwapEngine, selection: SelectionSettings, reference: tuple[str, np.ndarray] | None
) -> SelectionSettings:
    """Fill in the reference embedding from a reference image when the selector needs one."""
    from dataclasses import replace

    if selection.selector != "reference":
        return selection
    if reference is None and selection.reference is None:
        raise FaceSwapError("the reference selector needs a reference face image; pass --reference-face IMAGE.")
    if reference is not None:
        return replace(selection, reference=engine.reference_embedding(*reference))
    return selection


def load_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8, or one sentence naming the file."""
    from PIL import Image, UnidentifiedImageError

    if not Path(path).is_file():
        raise FaceSwapError(f"image {path} does not exist; check the path.")
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB")).copy()
    except Image.DecompressionBombError as exc:
        from ..image_limits import pixel_limit_message

        raise FaceSwapError(pixel_limit_message(path, exc)) from None
    except (UnidentifiedImageError, OSError) as exc:
        raise FaceSwapError(
            f"{path} is not a readable image ({exc.__class__.__name__}); use PNG, JPEG or WebP."
        ) from None
