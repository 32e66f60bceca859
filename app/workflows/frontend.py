"""Which ComfyUI frontend's conversion rules apply: the version a backend serves decides them.

Two rule sets are verified against golden pairs made by the official frontend:
- "1.27" (comfyui-frontend-package 1.27.10, `../shared/comfyui/conversions/`),
- "1.58" (comfyui-frontend-package 1.58.1, `../shared/comfyui/conversions-1.58/`).
A version below 1.58 gets the 1.27 rules and anything from 1.58 on (or an unknown version) the 1.58 rules;
versions in between were not measured (docs/workflows.md says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_FRONTEND_VERSION = "1.58.1"

_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")

# English titles the frontend gives core nodes whose /object_info display_name is empty (only the ones that
# differ from the type name). 1.27.10: from its bundled locale, the five its golden pairs use.
TITLES_1_27: dict[str, str] = {
    "ImageBlend": "Image Blend",
    "ImageBlur": "Image Blur",
    "ImageQuantize": "Image Quantize",
    "ImageSharpen": "Image Sharpen",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels",
}

# 1.58.1: its bundled English nodeDefs, for every node that ComfyUI 0.3.64 leaves without a display name.
TITLES_1_58: dict[str, str] = {
    "CLIPTextEncodeControlnet": "CLIP Text Encode (Controlnet)",
    "CLIPTextEncodeHiDream": "CLIP Text Encode (HiDream)",
    "CLIPTextEncodePixArtAlpha": "CLIP Text Encode (PixArt Alpha)",
    "CLIPTextEncodeSD3": "CLIP Text Encode (SD3)",
    "CLIPTextEncodeSDXL": "CLIP Text Encode (SDXL)",
    "CLIPTextEncodeSDXLRefiner": "CLIP Text Encode (SDXL Refiner)",
    "Canny": "Detect Edges (Canny)",
    "EmptyAceStepLatentAudio": "Empty Ace Step 1.0 Latent Audio",
    "EmptyCosmosLatentVideo": "Empty Cosmos Latent Video",
    "EmptyLTXVLatentVideo": "Empty LTXV Latent Video",
    "FluxKontextMultiReferenceLatentMethod": "Edit Model Reference Method",
    "ImageBlend": "Blend Images",
    "ImageBlur": "Blur Image",
    "ImageQuantize": "Quantize Image",
    "ImageRGBToYUV": "Image RGB to YUV",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels",
    "ImageSharpen": "Sharpen Image",
    "ImageYUVToRGB": "Image YUV to RGB",
    "LTXVPreprocess": "LTXV Preprocess",
    "LatentBatch": "Batch Latents (DEPRECATED)",
    "PerpNegGuider": "Perp-Neg Guider",
    "PhotoMakerEncode": "PhotoMaker Encode",
    "PhotoMakerLoader": "Load PhotoMaker Model",
    "QuadrupleCLIPLoader": "Load CLIP (Quadruple)",
    "ReferenceLatent": "Set Reference Latent",
    "SaveWEBM": "Save WEBM",
    "StableCascade_EmptyLatentImage": "Empty Stable Cascade Latent Image",
    "StableCascade_StageC_VAEEncode": "Stable Cascade Stage C VAE Encode",
    "T5TokenizerOptions": "T5 Tokenizer Options",
    "TextEncodeQwenImageEdit": "Text Encode Qwen Image Edit",
    "TextEncodeQwenImageEditPlus": "Text Encode Qwen Image Edit Plus",
    "TrimVideoLatent": "Trim Video Latent",
    "TripleCLIPLoader": "Load CLIP (Triple)",
}


@dataclass(frozen=True)
class FrontendRules:
    """The conversion rules of one frontend line.

    renumber_subgraph_ids: node ids inside subgraph definitions that collide with an id already taken (root
        graph first, then earlier definitions) get the next free id after `last_node_id` (1.58).
    expand_nested_when_bypassed: only a top-level subgraph instance's mode hides its contents; nested
        instances are flattened whatever their mode (1.58), instead of every bypassed/muted instance
        dropping its contents (1.27).
    meta_from_properties: `_meta` carries `cnr_id`, `aux_id`, `ver` from the node's properties (1.58).
    missing_link_is_unconnected: an input whose saved link id the graph lacks is unconnected (1.58) rather
        than an error (1.27 fails graphToPrompt).
    text_preview_widgets: PreviewAny/SaveText get the unsent `preview_text` + `preview_mode` widgets (1.58)
        instead of a sent, empty `preview` text box (1.27).
    numbered_placeholders: a node type the backend lacks keeps each saved value as its own widget
        (`UNKNOWN`, `UNKNOWN_1`, ...), an empty title, and no promoted widget values (1.58); in 1.27 every
        value is named `UNKNOWN` (the last one wins) and the title is absent.
    load3d_widgets: a LOAD_3D input is the 3D viewer widget, after three sent buttons (`upload 3d model`,
        `upload extra resources`, `clear`) when the node has a `model_file` widget (1.58).
    """

    name: str
    version: str
    renumber_subgraph_ids: bool
    expand_nested_when_bypassed: bool
    meta_from_properties: bool
    missing_link_is_unconnected: bool
    text_preview_widgets: bool
    numbered_placeholders: bool
    load3d_widgets: bool
    titles: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """(major, minor, patch) of "1.58.1", "v1.27.10" or "Comfy-Org/ComfyUI_frontend@1.30.2"; None when absent."""
    if not text:
        return None
    match = _VERSION.match(str(text).rsplit("@", 1)[-1].strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def rules_for(version: str | None = None) -> FrontendRules:
    """The rules of the frontend `version` (None or unreadable: DEFAULT_FRONTEND_VERSION's)."""
    parsed = parse_version(version) or parse_version(DEFAULT_FRONTEND_VERSION)
    assert parsed is not None
    text = ".".join(map(str, parsed))
    if parsed < (1, 58, 0):
        return FrontendRules(
            "1.27",
            text,
            renumber_subgraph_ids=False,
            expand_nested_when_bypassed=False,
            meta_from_properties=False,
            missing_link_is_unconnected=False,
            text_preview_widgets=False,
            numbered_placeholders=False,
            load3d_widgets=False,
            titles=TITLES_1_27,
        )
    return FrontendRules(
        "1.58",
        text,
        renumber_subgraph_ids=True,
        expand_nested_when_bypassed=True,
        meta_from_properties=True,
        missing_link_is_unconnected=True,
        text_preview_widgets=True,
        numbered_placeholders=True,
        load3d_widgets=True,
        titles=TITLES_1_58,
    )
