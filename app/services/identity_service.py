"""The face embedder for identity checks (motion clips, the book's character consistency gate).

insightface's ArcFace recognition model (w600k_r50.onnx from the manifest, sha256-checked) on faces
found by the face-swap detector (SCRFD when installed, else MediaPipe's shipped BlazeFace). When the
recognition model is absent the caller gets None and one sentence saying how to install it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Config, load_config
from ..quality.face_similarity import FaceEmbedder

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[FaceEmbedder | None, str]] = {}


@dataclass
class AnalyzerEmbedder:
    """The face embedder of the studio, over the face-swap FaceAnalyzer (detector + recognition): the largest
    face (`app.quality.FaceEmbedder`) or every face, largest first (`app.book.gates.MultiFaceEmbedder`, for
    panels with several characters)."""

    analyzer: Any

    def embed_largest_face(self, rgb: np.ndarray) -> np.ndarray | None:
        faces = self.analyzer.analyze(rgb)
        return None if not faces or faces[0].embedding is None else faces[0].embedding

    def embed_faces(self, rgb: np.ndarray) -> list[np.ndarray]:
        return [face.embedding for face in self.analyzer.analyze(rgb) if face.embedding is not None]


def load_embedder(config: Config | None = None) -> tuple[FaceEmbedder | None, str]:
    """(embedder, "") or (None, the reason in one sentence); loaded once per models folder."""
    config = config or load_config()
    from ..faceswap import ROLE_DEFAULTS, FaceSwapError, RuntimeSettings
    from ..faceswap.analyzer import FaceAnalyzer, load_insightface_model
    from ..faceswap.engine import build_detector
    from ..faceswap.runtime import session_kwargs
    from .faceswap_service import load_catalog

    key = str(config.resolve(config.faceswap.models_dir))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        catalog = load_catalog(config)
        name = ROLE_DEFAULTS["recognition"]
        if not catalog.exists(name):
            result: tuple[FaceEmbedder | None, str] = (
                None,
                f"the face recognition model {name} is not installed; get it with "
                f"`python scripts/download_models.py --only {name}`.",
            )
        else:
            try:
                runtime = RuntimeSettings(providers=config.faceswap.providers, threads=config.faceswap.threads)
                kwargs = session_kwargs(runtime)
                recognition = load_insightface_model(catalog.require(name), kwargs, "recognition")
                analyzer = FaceAnalyzer(build_detector("auto", catalog, dict(ROLE_DEFAULTS), kwargs), recognition)
                result = (AnalyzerEmbedder(analyzer), "")
            except FaceSwapError as exc:
                result = (None, str(exc))
        _CACHE[key] = result
        return result
