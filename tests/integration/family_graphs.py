"""Core-node API graphs of each family, shaped like ComfyUI's official templates, for the tiny family models.

Used by tests/integration/test_families_live.py and benchmarks/bench_families.py. Every graph ends in a
SaveImage (or SaveVideo for Wan) and, with `info=True`, an InkframeTestModelInfo node that reports what ComfyUI
detected. `SEED_INPUT[family]` names the sampler input ("NODE.INPUT") that changes per panel.
"""

from __future__ import annotations

from .family_fixtures import FAMILIES

SIZE = 64
VIDEO_LENGTH = 5
VIDEO_FPS = 24.0
PROMPT = "comic panel, a girl with red hair, ink lines"
NEGATIVE = "blurry"
SEED_INPUT = {
    "sdxl": "5.noise_seed",
    "sdxl_vpred": "5.noise_seed",
    "flux": "8.seed",
    "qwen": "8.seed",
    "wan22_5b": "9.seed",
}


def _text(clip: list, text: str) -> dict:
    return {"class_type": "CLIPTextEncode", "inputs": {"clip": clip, "text": text}}


def _info(prompt: dict, info: bool) -> dict:
    if info:
        prompt["99"] = {"class_type": "InkframeTestModelInfo", "inputs": {"model": ["1", 0]}}
    return prompt


def sdxl(role: str = "checkpoint", seed: int = 1, info: bool = False) -> dict:
    """sdxl_simple_example, base pass only (KSamplerAdvanced)."""
    return _info(
        {
            "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": FAMILIES["sdxl"].file(role)}},
            "2": _text(["1", 1], PROMPT),
            "3": _text(["1", 1], NEGATIVE),
            "4": {"class_type": "EmptyLatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
            "5": {
                "class_type": "KSamplerAdvanced",
                "inputs": {
                    "model": ["1", 0],
                    "positive": ["2", 0],
                    "negative": ["3", 0],
                    "latent_image": ["4", 0],
                    "add_noise": "enable",
                    "noise_seed": seed,
                    "steps": 2,
                    "cfg": 8.0,
                    "sampler_name": "euler",
                    "scheduler": "normal",
                    "start_at_step": 0,
                    "end_at_step": 10000,
                    "return_with_leftover_noise": "disable",
                },
            },
            "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
            "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": f"tiny_{role}"}},
        },
        info,
    )


def flux_loaders() -> dict:
    spec = FAMILIES["flux"]
    return {
        "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
        "2": {
            "class_type": "DualCLIPLoader",
            "inputs": {
                "clip_name1": spec.file("clip_l"),
                "clip_name2": spec.file("t5"),
                "type": "flux",
                "device": "default",
            },
        },
        "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
        "4": _text(["2", 0], PROMPT),
    }


def flux(seed: int = 1, info: bool = False) -> dict:
    """flux_dev_full_text_to_image."""
    return _info(
        {
            **flux_loaders(),
            "5": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["4", 0], "guidance": 3.5}},
            "6": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["4", 0]}},
            "7": {"class_type": "EmptySD3LatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
            "8": {
                "class_type": "KSampler",
                "inputs": {
                    "model": ["1", 0],
                    "positive": ["5", 0],
                    "negative": ["6", 0],
                    "latent_image": ["7", 0],
                    "seed": seed,
                    "steps": 2,
                    "cfg": 1.0,
                    "sampler_name": "euler",
                    "scheduler": "simple",
                    "denoise": 1.0,
                },
            },
            "9": {"class_type": "VAEDecode", "inputs": {"samples": ["8", 0], "vae": ["3", 0]}},
            "10": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "tiny_flux"}},
        },
        info,
    )


def flux_kontext(reference: str, seed: int = 2) -> dict:
    """flux_kontext_dev_basic: the reference image's latent joins the conditioning (ReferenceLatent)."""
    return {
        **flux_loaders(),
        "5": {"class_type": "LoadImage", "inputs": {"image": reference}},
        "6": {"class_type": "VAEEncode", "inputs": {"pixels": ["5", 0], "vae": ["3", 0]}},
        "7": {"class_type": "ReferenceLatent", "inputs": {"conditioning": ["4", 0], "latent": ["6", 0]}},
        "8": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["7", 0], "guidance": 2.5}},
        "9": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["4", 0]}},
        "10": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["1", 0],
                "positive": ["8", 0],
                "negative": ["9", 0],
                "latent_image": ["6", 0],
                "seed": seed,
                "steps": 2,
                "cfg": 1.0,
                "sampler_name": "euler",
                "scheduler": "simple",
                "denoise": 1.0,
            },
        },
        "11": {"class_type": "VAEDecode", "inputs": {"samples": ["10", 0], "vae": ["3", 0]}},
        "12": {"class_type": "SaveImage", "inputs": {"images": ["11", 0], "filename_prefix": "tiny_kontext"}},
    }


def qwen(seed: int = 1, info: bool = False) -> dict:
    """image_qwen_image."""
    spec = FAMILIES["qwen"]
    return _info(
        {
            "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
            "2": {
                "class_type": "CLIPLoader",
                "inputs": {"clip_name": spec.file("text_encoder"), "type": "qwen_image", "device": "default"},
            },
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
            "4": _text(["2", 0], PROMPT),
            "5": _text(["2", 0], NEGATIVE),
            "6": {"class_type": "ModelSamplingAuraFlow", "inputs": {"model": ["1", 0], "shift": 3.1}},
            "7": {"class_type": "EmptySD3LatentImage", "inputs": {"width": SIZE, "height": SIZE, "batch_size": 1}},
            "8": {
                "class_type": "KSampler",
                "inputs": {
                    "model": ["6", 0],
                    "positive": ["4", 0],
                    "negative": ["5", 0],
                    "latent_image": ["7", 0],
                    "seed": seed,
                    "steps": 2,
                    "cfg": 2.5,
                    "sampler_name": "euler",
                    "scheduler": "simple",
                    "denoise": 1.0,
                },
            },
            "9": {"class_type": "VAEDecode", "inputs": {"samples": ["8", 0], "vae": ["3", 0]}},
            "10": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "tiny_qwen"}},
        },
        info,
    )


def qwen_edit_2509(reference: str, seed: int = 3) -> dict:
    """image_qwen_image_edit_2509, "raw latent" variant: the reference goes through the vision tower
    (TextEncodeQwenImageEditPlus) and, VAE-encoded at the panel's size, into the conditioning (ReferenceLatent).
    Edit-2509 has Qwen-Image's architecture, so the tiny Qwen-Image transformer runs it."""
    base = qwen(seed)
    spec = FAMILIES["qwen"]
    return {
        "1": base["1"],
        "3": base["3"],
        "6": base["6"],
        "2": {
            "class_type": "CLIPLoader",
            "inputs": {"clip_name": spec.file("text_encoder_vl"), "type": "qwen_image", "device": "default"},
        },
        "12": {"class_type": "LoadImage", "inputs": {"image": reference}},
        "13": {
            "class_type": "TextEncodeQwenImageEditPlus",
            "inputs": {"clip": ["2", 0], "prompt": "the same girl, now waving", "image1": ["12", 0]},
        },
        "14": {"class_type": "TextEncodeQwenImageEditPlus", "inputs": {"clip": ["2", 0], "prompt": ""}},
        "15": {"class_type": "VAEEncode", "inputs": {"pixels": ["12", 0], "vae": ["3", 0]}},
        "16": {"class_type": "ReferenceLatent", "inputs": {"conditioning": ["13", 0], "latent": ["15", 0]}},
        "17": {"class_type": "CFGNorm", "inputs": {"model": ["6", 0], "strength": 1.0}},
        "8": {
            "class_type": "KSampler",
            "inputs": {
                "model": ["17", 0],
                "positive": ["16", 0],
                "negative": ["14", 0],
                "latent_image": ["15", 0],
                "seed": seed,
                "steps": 2,
                "cfg": 2.5,
                "sampler_name": "euler",
                "scheduler": "simple",
                "denoise": 1.0,
            },
        },
        "9": base["9"],
        "10": {"class_type": "SaveImage", "inputs": {"images": ["9", 0], "filename_prefix": "tiny_qwen_edit"}},
    }


def wan22_5b(start_image: str, seed: int = 1, info: bool = False) -> dict:
    """video_wan2_2_5B_ti2v with its start image enabled (a panel becomes a clip)."""
    spec = FAMILIES["wan22_5b"]
    return _info(
        {
            "1": {"class_type": "UNETLoader", "inputs": {"unet_name": spec.file("unet"), "weight_dtype": "default"}},
            "2": {
                "class_type": "CLIPLoader",
                "inputs": {"clip_name": spec.file("text_encoder"), "type": "wan", "device": "default"},
            },
            "3": {"class_type": "VAELoader", "inputs": {"vae_name": spec.file("vae")}},
            "4": _text(["2", 0], PROMPT),
            "5": _text(["2", 0], NEGATIVE),
            "6": {"class_type": "ModelSamplingSD3", "inputs": {"model": ["1", 0], "shift": 8.0}},
            "7": {"class_type": "LoadImage", "inputs": {"image": start_image}},
            "8": {
                "class_type": "Wan22ImageToVideoLatent",
                "inputs": {
                    "vae": ["3", 0],
                    "width": SIZE,
                    "height": SIZE,
                    "length": VIDEO_LENGTH,
                    "batch_size": 1,
                    "start_image": ["7", 0],
                },
            },
            "9": {
                "class_type": "KSampler",
                "inputs": {
                    "model": ["6", 0],
                    "positive": ["4", 0],
                    "negative": ["5", 0],
                    "latent_image": ["8", 0],
                    "seed": seed,
                    "steps": 2,
                    "cfg": 5.0,
                    "sampler_name": "uni_pc",
                    "scheduler": "simple",
                    "denoise": 1.0,
                },
            },
            "10": {"class_type": "VAEDecode", "inputs": {"samples": ["9", 0], "vae": ["3", 0]}},
            "11": {"class_type": "CreateVideo", "inputs": {"images": ["10", 0], "fps": VIDEO_FPS}},
            "12": {
                "class_type": "SaveVideo",
                "inputs": {"video": ["11", 0], "filename_prefix": "video/tiny_wan", "format": "mp4", "codec": "h264"},
            },
        },
        info,
    )
