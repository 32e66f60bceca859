"""Test-only support for the tiny random-weight family models (tests/integration/family_fixtures.py).

1. A loader hook, installed when ComfyUI imports this pack: a text-encoder file (or an all-in-one checkpoint)
   that carries a uint8 JSON tensor `inkframe_te_config`, e.g. {"umt5xxl": {"num_layers": 24, "d_ff": 8}},
   has the key removed and each entry passed as `model_options["<name>_model_config"]`, which ComfyUI's
   comfy/sd1_clip.py already merges into the text encoder's fixed config. Without it a tiny encoder fails with
   a size mismatch (stock loaders build T5-XXL, UMT5-XXL, Qwen2.5-VL-7B and CLIP-G at full size whatever the
   file holds). Real model files never carry that key, so they load exactly as before.
2. `InkframeTestModelInfo(model) -> STRING` (an output node): what ComfyUI detected, as JSON (model config
   class, model type, latent format, model class), so a live test can check the family through /prompt.

Never installed for users: it lives under tests/ and is added only to the test ComfyUI instances.
"""

from __future__ import annotations

import json

CONFIG_KEY = "inkframe_te_config"


def _take_config(state_dict, model_options):
    raw = state_dict.pop(CONFIG_KEY, None)
    if raw is None:
        return model_options
    config = json.loads(bytes(raw.cpu().numpy().tobytes()).decode("utf-8"))
    return {**model_options, **{f"{name}_model_config": value for name, value in config.items()}}


def install_hook() -> None:
    import comfy.sd

    if getattr(comfy.sd, "_inkframe_tiny_hook", False):
        return
    original_te = comfy.sd.load_text_encoder_state_dicts
    original_ckpt = comfy.sd.load_state_dict_guess_config

    def load_text_encoder_state_dicts(
        state_dicts=[], embedding_directory=None, clip_type=comfy.sd.CLIPType.STABLE_DIFFUSION, model_options={}
    ):
        for state_dict in state_dicts:
            model_options = _take_config(state_dict, model_options)
        return original_te(
            state_dicts, embedding_directory=embedding_directory, clip_type=clip_type, model_options=model_options
        )

    def load_state_dict_guess_config(
        sd,
        output_vae=True,
        output_clip=True,
        output_clipvision=False,
        embedding_directory=None,
        output_model=True,
        model_options={},
        te_model_options={},
        metadata=None,
    ):
        te_model_options = _take_config(sd, te_model_options)
        return original_ckpt(
            sd,
            output_vae,
            output_clip,
            output_clipvision,
            embedding_directory,
            output_model,
            model_options,
            te_model_options=te_model_options,
            metadata=metadata,
        )

    comfy.sd.load_text_encoder_state_dicts = load_text_encoder_state_dicts
    comfy.sd.load_state_dict_guess_config = load_state_dict_guess_config
    comfy.sd._inkframe_tiny_hook = True


class InkframeTestModelInfo:
    CATEGORY = "inkframe/testing"
    RETURN_TYPES = ("STRING",)
    FUNCTION = "run"
    OUTPUT_NODE = True

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {"model": ("MODEL",)}}

    def run(self, model):
        base = model.model
        info = {
            "model_config": type(base.model_config).__name__,
            "model_type": base.model_type.name,
            "latent_format": type(base.latent_format).__name__,
            "model_class": type(base).__name__,
        }
        text = json.dumps(info, sort_keys=True)
        return {"ui": {"text": [text]}, "result": (text,)}


install_hook()

NODE_CLASS_MAPPINGS = {"InkframeTestModelInfo": InkframeTestModelInfo}
NODE_DISPLAY_NAME_MAPPINGS = {"InkframeTestModelInfo": "Inkframe test: detected model family"}
