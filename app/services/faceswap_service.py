"""Face swap as a use case: the UI, the CLI and the REST API call this, never app.faceswap directly.

    service = FaceSwapService(config)
    result = service.swap(FaceSwapRequest(sources=[Path("a.jpg")], target=Path("b.mp4"), out=Path("c.mp4"),
                                          consent=True), progress=lambda p: ...)

Checks consent and the output path first, loads the models from the manifest (each checked by sha256) once
per service, swaps an image or streams a video, and returns a typed result with notes for the user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..config import Config
from ..faceswap import (
    ROLE_DEFAULTS,
    FaceSwapEngine,
    FaceSwapError,
    ImageJob,
    ModelCatalog,
    NsfwGate,
    NudenetClassifier,
    Progress,
    Provenance,
    RuntimeSettings,
    SelectionSettings,
    SwapSettings,
    VideoJob,
    check_output_path,
    load_parts,
    load_rgb,
    require_consent,
    resolve_selection,
    swap_image,
    swap_video,
)
from ..faceswap.models import catalog_from_manifest
from ..faceswap.nsfw import Classifier
from ..faceswap.types import Enhancer, Gender, OneMode, Selector
from ..faceswap.video import default_workers
from ..image_files import READABLE_IMAGE_SUFFIXES
from ..media import CODEC_SPECS, TimeRange, VideoCodec, probe
from ..provenance import face_swap
from .provenance_service import stamp_output

VIDEO_SUFFIX_CODECS: dict[str, VideoCodec] = {".mp4": "h264", ".webm": "webm", ".gif": "gif"}


@dataclass(frozen=True)
class FaceSwapRequest:
    sources: list[Path]
    target: Path
    out: Path
    consent: bool = False
    overwrite: bool = False
    selector: Selector = "one"
    one_mode: OneMode = "largest"
    face_index: int = 0
    reference_face: Path | None = None
    reference_distance: float = 0.9
    gender: Gender = "any"
    min_age: int | None = None
    max_age: int | None = None
    enhancer: Enhancer = "gfpgan"
    blend: float = 0.8
    smoothing: float = 0.6
    trim: str | None = None
    codec: VideoCodec | None = None
    crf: int | None = None


@dataclass
class FaceSwapResult:
    out: Path
    kind: Literal["image", "video"]
    frames: int = 1
    frames_swapped: int = 1
    faces_swapped: int = 0
    unmatched_frames: list[list[int]] = field(default_factory=list)
    has_audio: bool = False
    resumed_chunks: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def load_catalog(config: Config) -> ModelCatalog:
    """The face-swap models of the manifest (config.faceswap.manifest) under config.faceswap.models_dir."""
    return catalog_from_manifest(config.resolve(config.faceswap.manifest), config.resolve(config.faceswap.models_dir))


class FaceSwapService:
    """Holds the loaded models (one engine per enhancer/filter combination) for the life of the app."""

    def __init__(
        self, config: Config, catalog: ModelCatalog | None = None, classifier: Classifier | None = None
    ) -> None:
        self.config = config
        self._catalog = catalog
        self._classifier = classifier
        self._engines: dict[tuple[bool, bool], FaceSwapEngine] = {}
        self._lock = threading.Lock()

    @property
    def catalog(self) -> ModelCatalog:
        """The models of the manifest (read on first use)."""
        if self._catalog is None:
            self._catalog = load_catalog(self.config)
        return self._catalog

    def runtime(self) -> RuntimeSettings:
        return RuntimeSettings(providers=self.config.faceswap.providers, threads=self.config.faceswap.threads)

    def engine(self, enhancer: bool, genderage: bool = False) -> FaceSwapEngine:
        key = (enhancer, genderage)
        with self._lock:
            if key not in self._engines:
                parts = load_parts(
                    self.catalog,
                    dict(ROLE_DEFAULTS),
                    self.runtime(),
                    self.config.faceswap.detector,
                    enhancer=enhancer,
                    genderage=genderage,
                )
                self._engines[key] = FaceSwapEngine(parts)
            return self._engines[key]

    def gate(self) -> NsfwGate | None:
        settings = self.config.faceswap
        if not settings.nsfw_gate:
            return None
        with self._lock:
            if self._classifier is None:
                from ..faceswap.runtime import providers_for

                self._classifier = NudenetClassifier(providers=providers_for(settings.providers))
        return NsfwGate(self._classifier, settings.nsfw_threshold, settings.nsfw_video_share)

    def swap(self, request: FaceSwapRequest, progress: Callable[[Progress], None] | None = None) -> FaceSwapResult:
        require_consent(request.consent)
        check_output_path(request.out, request.overwrite)
        is_video = request.target.suffix.lower() not in READABLE_IMAGE_SUFFIXES
        codec = _output_codec(request) if is_video else None
        trim = TimeRange.parse(request.trim) if request.trim else None
        if not request.target.is_file():
            raise FaceSwapError(f"target {request.target} does not exist; check the path.")
        if is_video:
            probe(request.target)  # unreadable, empty or undecodable video: one sentence before any model loads
        filters = request.gender != "any" or request.min_age is not None or request.max_age is not None
        engine = self.engine(request.enhancer != "none", genderage=filters)
        sources = [(str(path), load_rgb(path)) for path in request.sources]
        identity = engine.identity_from_images(sources)
        reference = (str(request.reference_face), load_rgb(request.reference_face)) if request.reference_face else None
        selection = resolve_selection(
            engine,
            SelectionSettings(
                selector=request.selector,
                one_mode=request.one_mode,
                face_index=request.face_index,
                reference_distance=request.reference_distance,
                gender=request.gender,
                min_age=request.min_age,
                max_age=request.max_age,
            ),
            reference,
        )
        settings = SwapSettings(
            selection=selection, enhancer=request.enhancer, blend=request.blend, smoothing=request.smoothing
        )
        provenance = Provenance.now()
        mark = self.config.faceswap.visible_mark
        if not is_video:
            if trim is not None or request.codec is not None:
                raise FaceSwapError("--trim and --codec apply to videos only; remove them for an image target.")
            _, report = swap_image(
                engine,
                ImageJob(
                    str(request.target), load_rgb(request.target), identity, settings, request.out, mark, provenance
                ),
                self.gate(),
            )
            stamp_output(request.out, face_swap(request.target, request.sources, request.consent), self.config)
            return FaceSwapResult(out=request.out, kind="image", faces_swapped=report.faces_swapped)
        workers = self.config.faceswap.workers or default_workers()
        report = swap_video(
            engine,
            VideoJob(
                target=request.target,
                out=request.out,
                source=identity,
                settings=settings,
                codec=codec or "h264",
                crf=request.crf,
                trim=trim,
                chunk_seconds=self.config.faceswap.chunk_seconds,
                workers=workers,
                visible_mark=mark,
                provenance=provenance,
            ),
            self.gate(),
            progress,
        )
        stamp_output(request.out, face_swap(request.target, request.sources, request.consent), self.config)
        notes = []
        if not report.has_audio:
            notes.append(f"{request.target.name} has no audio track; the result is silent.")
        if report.unmatched:
            notes.append(
                f"{sum(b - a + 1 for a, b in report.unmatched)} of {report.frames} frames had no matching face and "
                f"were kept as they are (frames {_ranges(report.unmatched)})."
            )
        if report.resumed_chunks:
            notes.append(f"resumed after {report.resumed_chunks} finished chunk(s) of an earlier run.")
        return FaceSwapResult(
            out=request.out,
            kind="video",
            frames=report.frames,
            frames_swapped=report.frames_swapped,
            unmatched_frames=report.unmatched,
            has_audio=report.has_audio,
            resumed_chunks=report.resumed_chunks,
            seconds=report.seconds,
            notes=notes,
        )


def _output_codec(request: FaceSwapRequest) -> VideoCodec:
    suffix = request.out.suffix.lower()
    implied = VIDEO_SUFFIX_CODECS.get(suffix)
    if implied is None:
        raise FaceSwapError(
            f"{request.out} has the extension {suffix or '(none)'}; a video result needs .mp4, .webm or .gif."
        )
    codec = request.codec or implied
    if CODEC_SPECS[codec].extension != suffix:
        raise FaceSwapError(
            f"the codec {codec} cannot be written to a {suffix} file; name the output "
            f"{request.out.with_suffix(CODEC_SPECS[codec].extension).name} or drop --codec."
        )
    return codec


def _ranges(ranges: list[list[int]], limit: int = 6) -> str:
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit])
    return text + (", ..." if len(ranges) > limit else "")
