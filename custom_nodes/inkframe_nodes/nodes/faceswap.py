"""Face-swap nodes: swap, restore, analyse. Thin: app/faceswap does the work through `adapter.lib`.

Models are read from ComfyUI's models folder, or the extra model path holding `insightface/` (the manifest's
folders are in ComfyUI's layout); they load on the first run, never at import. The studio's `faceswap` settings
apply here as in the app: the manifest that lists the files and their sha256 (`faceswap.manifest`), the detector
(`faceswap.detector`: insightface's det_10g.onnx when present, else mediapipe's shipped BlazeFace) and
onnxruntime's providers/threads; they are read from the studio's config (config.yaml, or $INKFRAME_CONFIG, and
INKFRAME__FACESWAP__* variables in ComfyUI's environment).
Consent is a required switch, and the NSFW gate (nudenet's shipped model) always checks the results.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from .. import adapter

CATEGORY = "Inkframe/Face"


def _settings() -> Any:
    """The studio's `faceswap` config section (read once per engine load)."""
    config = adapter.lib("config").load_config()
    return config, config.faceswap


_LOCK = threading.Lock()
_CACHE: dict[Any, Any] = {}


def _fs() -> Any:
    return adapter.lib("faceswap")


SWAP_FOLDER = "insightface"  # the manifest's face-swap folders are under it (and facerestore_models beside it)


def _models_root() -> Path:
    """ComfyUI's models folder, or the extra model path that holds the face-swap folder: a ComfyUI started by the
    studio reads the studio's models/ through extra_model_paths.yaml, not its own models folder."""
    try:
        import folder_paths  # type: ignore[import-not-found]
    except ImportError:
        return Path(os.environ.get("INKFRAME_MODELS_DIR", adapter.find_app_dir().parent / "models"))
    roots = [Path(folder_paths.models_dir)]
    if SWAP_FOLDER in folder_paths.folder_names_and_paths:
        roots += [Path(folder).parent for folder in folder_paths.get_folder_paths(SWAP_FOLDER)]
    return next((root for root in roots if (root / SWAP_FOLDER).is_dir()), roots[0])


def _engine(enhancer: bool, genderage: bool = False) -> Any:
    fs = _fs()
    with _LOCK:
        key = ("engine", enhancer, genderage)
        if key not in _CACHE:
            config, settings = _settings()
            if "catalog" not in _CACHE:
                _CACHE["catalog"] = fs.catalog_from_manifest(config.resolve(settings.manifest), _models_root())
            parts = fs.load_parts(
                _CACHE["catalog"],
                dict(fs.ROLE_DEFAULTS),
                fs.RuntimeSettings(providers=settings.providers, threads=settings.threads),
                settings.detector,
                enhancer=enhancer,
                genderage=genderage,
            )
            _CACHE[key] = fs.FaceSwapEngine(parts)
        return _CACHE[key]


def _gate(threshold: float) -> Any:
    fs = _fs()
    with _LOCK:
        if "nsfw" not in _CACHE:
            _CACHE["nsfw"] = fs.NudenetClassifier()
    return fs.NsfwGate(_CACHE["nsfw"], threshold=threshold)


def _fraction(default: float) -> tuple[str, dict[str, float]]:
    return ("FLOAT", {"default": default, "min": 0.0, "max": 1.0, "step": 0.01})


class InkframeFaceSwap:
    CATEGORY, FUNCTION, RETURN_TYPES = CATEGORY, "run", ("IMAGE",)
    DESCRIPTION = (
        "Swaps the face of `source` (several images are averaged) into every image of `target` "
        "(frames of a batch are smoothed over time). Only with the consent of everyone shown."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        fs = _fs()
        return {
            "required": {
                "source": ("IMAGE",),
                "target": ("IMAGE",),
                "selector": (list(fs.SELECTORS), {"default": "one"}),
                "one_mode": (list(fs.ONE_MODES), {"default": "largest"}),
                "face_index": ("INT", {"default": 0, "min": 0, "max": 64}),
                "enhancer": (list(fs.ENHANCERS), {"default": "gfpgan"}),
                "blend": _fraction(0.8),
                "i_have_consent": ("BOOLEAN", {"default": False, "tooltip": "everyone whose face is used has agreed"}),
            },
            "optional": {
                "reference": ("IMAGE",),
                "reference_distance": ("FLOAT", {"default": 0.9, "min": 0.0, "max": 2.0, "step": 0.01}),
                "gender": (list(fs.GENDERS), {"default": "any"}),
                "smoothing": ("FLOAT", {"default": 0.6, "min": 0.0, "max": 0.95}),
                "visible_mark": ("BOOLEAN", {"default": False}),
                "nsfw_threshold": _fraction(0.6),
            },
        }

    def run(
        self,
        source: Any,
        target: Any,
        selector: str,
        one_mode: str,
        face_index: int,
        enhancer: str,
        blend: float,
        i_have_consent: bool,
        reference: Any = None,
        reference_distance: float = 0.9,
        gender: str = "any",
        smoothing: float = 0.6,
        visible_mark: bool = False,
        nsfw_threshold: float = 0.6,
    ) -> tuple[Any]:
        fs = _fs()
        fs.require_consent(bool(i_have_consent))
        engine = _engine(enhancer != "none", genderage=gender != "any")
        identity = engine.identity_from_images(
            [(f"source image {i + 1}", a) for i, a in enumerate(adapter.tensor_to_arrays(source))]
        )
        ref = ("reference image", adapter.tensor_to_arrays(reference)[0]) if reference is not None else None
        selection = fs.resolve_selection(
            engine,
            fs.SelectionSettings(
                selector=selector,
                one_mode=one_mode,
                face_index=face_index,
                reference_distance=reference_distance,
                gender=gender,
            ),
            ref,
        )
        settings = fs.SwapSettings(selection=selection, enhancer=enhancer, blend=blend, smoothing=smoothing)
        frames = fs.swap_frames(
            engine, adapter.tensor_to_arrays(target), identity, settings, _gate(nsfw_threshold), visible_mark
        )
        return (adapter.arrays_to_tensor(frames),)


class InkframeFaceRestore:
    CATEGORY, FUNCTION, RETURN_TYPES = CATEGORY, "run", ("IMAGE",)
    DESCRIPTION = "Restores every detected face with GFPGAN 1.4, mixed with the original by `blend`."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image": ("IMAGE",), "blend": _fraction(0.8)}}

    def run(self, image: Any, blend: float) -> tuple[Any]:
        engine = _engine(True)
        return (
            adapter.arrays_to_tensor(
                [_fs().restore_faces(engine, frame, blend) for frame in adapter.tensor_to_arrays(image)]
            ),
        )


class InkframeFaceAnalyze:
    CATEGORY, FUNCTION = CATEGORY, "run"
    RETURN_TYPES, RETURN_NAMES = ("STRING", "INT"), ("faces_json", "face_count")
    DESCRIPTION = "Lists the faces of the first image: box, five landmarks, score, gender and age."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return {"required": {"image": ("IMAGE",)}}

    def run(self, image: Any) -> tuple[str, int]:
        faces = _engine(False, genderage=True).analyzer.analyze(adapter.tensor_to_arrays(image)[0])
        rows = [_fs().describe_face(face) for face in faces]
        return json.dumps(rows), len(rows)


NODE_CLASS_MAPPINGS = {
    "InkframeFaceSwap": InkframeFaceSwap,
    "InkframeFaceRestore": InkframeFaceRestore,
    "InkframeFaceAnalyze": InkframeFaceAnalyze,
}
NODE_DISPLAY_NAME_MAPPINGS = {
    "InkframeFaceSwap": "Face Swap (Inkframe)",
    "InkframeFaceRestore": "Face Restore GFPGAN (Inkframe)",
    "InkframeFaceAnalyze": "Face Analyze (Inkframe)",
}
