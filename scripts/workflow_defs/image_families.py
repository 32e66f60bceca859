"""Built-in image workflows of the modern families (SDXL eps / v-pred, Flux.1 dev / schnell, Qwen-Image) and the
reference-edit panels (Flux.1 Kontext dev, Qwen-Image-Edit-2509), for scripts/build_workflows.py.

Shaped like ComfyUI's official templates (comfyui-workflow-templates 0.1.95: sdxl_simple_example,
flux_dev_full_text_to_image, image_qwen_image, flux_kontext_dev_basic, image_qwen_image_edit_2509), core nodes only,
with the built-ins' conventions: Primitive-node parameters (model files are `model` parameters named after the
family's roles in app/workflows/families.py: checkpoint, unet, clip_l, t5, text_encoder, vae), `Output: NAME`
SaveImage. app/workflows/family_choice.py says which of these a capability runs for a family.

Differences from the templates, on purpose:
- reference-edit panels sample an empty latent of the panel's size and give the reference as ReferenceLatent
  conditioning; the reference is scaled to `reference_megapixels` (ImageScaleToTotalPixels, aspect kept) instead
  of FluxKontextImageScale's fixed ~1 MP buckets, so a reference costs what the panel costs;
- Qwen-Image-Edit-2509: the first reference is also the reference latent; references 2 and 3 (LoadImage nodes that
  ship bypassed, enabled by title) go through the vision encoder only;
- panel_sdxl carries SD1.5 `panel`'s bypassed IPAdapter pair (IPAdapterUnifiedLoader PLUS: ip-adapter-plus_sdxl_vit-h
  + the ViT-H encoder); the app enables it when the backend has those files (app/workflows/family_choice.py);
- v-prediction SDXL: a ModelSamplingDiscrete (v_prediction, zsnr) node ships bypassed; the app enables it for the
  sdxl_vpred family (checkpoints that lack the v_pred key need it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .parts import Output, ipadapter_pair

STYLE = "comic book panel, clean ink lines, flat colors, cel shading"
NEGATIVE = "photo, realistic, blurry, lowres, bad anatomy, extra fingers, watermark, text, signature"
PANEL_PROMPT = f"{STYLE}, a detective in a rainy alley at night, dramatic lighting"
EDIT_PROMPT = f"{STYLE}, the same character from the reference image, now running through a rainy alley at night"
BACKGROUND_PROMPT = f"{STYLE}, empty city street at dusk, wide establishing shot, detailed background, no humans"
BACKGROUND_NEGATIVE = f"{NEGATIVE}, person, people, character, crowd"
EXTRA_REFERENCES = ("Reference image 2", "Reference image 3")  # titles of the bypassed LoadImage nodes


def _model(g: Any, name: str, value: str, what: str, order: int) -> Any:
    return g.param("InkframeModel", name, value=value, group="Model", order=order, description=what)


def _common(
    g: Any,
    *,
    prompt: str,
    negative: str | None,
    steps: int,
    cfg: float | None,
    width: int,
    height: int,
    guidance: float | None = None,
) -> dict[str, Any]:
    p = {"prompt": g.param("InkframeMultilineText", "prompt", value=prompt, group="Prompt", order=0)}
    if negative is not None:
        p["negative"] = g.param(
            "InkframeMultilineText", "negative_prompt", value=negative, group="Prompt", order=1, advanced=True
        )
    p["seed"] = g.param("InkframeSeed", "seed", value=0, group="Sampling", order=0)
    p["steps"] = g.param(
        "InkframeInt", "steps", value=steps, min=1, max=100, step=1, group="Sampling", order=1, advanced=True
    )
    if cfg is not None:
        p["cfg"] = g.param(
            "InkframeFloat", "cfg", value=cfg, min=1.0, max=20.0, step=0.5, group="Sampling", order=2, advanced=True
        )
    if guidance is not None:
        p["guidance"] = g.param(
            "InkframeFloat",
            "guidance",
            value=guidance,
            min=0.0,
            max=10.0,
            step=0.1,
            group="Sampling",
            order=2,
            advanced=True,
            description="Flux guidance (FluxGuidance); the sampler's cfg stays 1.",
        )
    p["width"] = g.param("InkframeInt", "width", value=width, min=256, max=2048, step=64, group="Size", order=0)
    p["height"] = g.param("InkframeInt", "height", value=height, min=256, max=2048, step=64, group="Size", order=1)
    return p


def _save(g: Any, images: Any, name: str, prefix: str) -> None:
    """Core SaveImage titled "Output: NAME" (the built-ins' convention, app.workflows.output_name)."""
    g.node("SaveImage", images=images, filename_prefix=f"inkframe/{prefix}", _title=f"Output: {name}")


def _sample(
    g: Any,
    p: dict[str, Any],
    model: Any,
    positive: Any,
    negative: Any,
    latent: Any,
    *,
    sampler: str,
    scheduler: str,
    cfg: Any,
) -> Any:
    return g.node(
        "KSampler",
        model=model,
        seed=p["seed"][0],
        steps=p["steps"][0],
        cfg=cfg,
        sampler_name=sampler,
        scheduler=scheduler,
        positive=positive,
        negative=negative,
        latent_image=latent,
        denoise=1.0,
    )


# ---- SDXL (sdxl_simple_example, base pass) -------------------------------------------------------------------
def _sdxl(g: Any, *, prompt: str, negative: str, name: str, prefix: str, lora: bool) -> None:
    p = _common(g, prompt=prompt, negative=negative, steps=25, cfg=6.0, width=1216, height=832)
    ckpt_name = _model(
        g,
        "checkpoint",
        "sd_xl_base_1.0.safetensors",
        "SDXL checkpoint from models/checkpoints (Illustrious, NoobAI, Pony, Animagine ...).",
        0,
    )
    ckpt = g.node("CheckpointLoaderSimple", ckpt_name=ckpt_name[0])
    model, clip = ckpt[0], ckpt[1]
    if lora:
        lora_name = g.param(
            "InkframeLora",
            "lora",
            value="your_style_lora.safetensors",
            group="Model",
            order=1,
            advanced=True,
            description="SDXL style or character LoRA; the LoRA node ships bypassed.",
        )
        strength = g.param(
            "InkframeFloat",
            "lora_strength",
            value=0.8,
            min=0.0,
            max=2.0,
            step=0.05,
            group="Model",
            order=2,
            advanced=True,
        )
        loaded = g.node(
            "LoraLoader",
            model=model,
            clip=clip,
            lora_name=lora_name[0],
            strength_model=strength[0],
            strength_clip=strength[0],
            _mode=4,
            _title="LoRA (un-bypass to use)",
        )
        model, clip = loaded[0], loaded[1]
        model = ipadapter_pair(
            g, model, "Character reference for IPAdapter (ip-adapter-plus_sdxl_vit-h; ships bypassed)."
        )
    vpred = g.node(
        "ModelSamplingDiscrete",
        model=model,
        sampling="v_prediction",
        zsnr=True,
        _mode=4,
        _title="V-prediction (un-bypass for v-pred checkpoints)",
    )
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip, _title="Positive prompt")
    negative_cond = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip, _title="Negative prompt")
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = _sample(
        g,
        p,
        vpred[0],
        positive[0],
        negative_cond[0],
        latent[0],
        sampler="euler_ancestral",
        scheduler="normal",
        cfg=p["cfg"][0],
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=ckpt[2])[0], name, prefix)
    g.note(
        "SDXL (eps or v-prediction): for a v-pred checkpoint un-bypass the V-prediction node (Ctrl+B); "
        "the app does it for the sdxl_vpred family."
    )


def panel_sdxl(g: Any) -> None:
    _sdxl(g, prompt=PANEL_PROMPT, negative=NEGATIVE, name="panel", prefix="panel_sdxl", lora=True)


def background_sdxl(g: Any) -> None:
    _sdxl(
        g,
        prompt=BACKGROUND_PROMPT,
        negative=BACKGROUND_NEGATIVE,
        name="background",
        prefix="background_sdxl",
        lora=False,
    )


# ---- Flux.1 (flux_dev_full_text_to_image; schnell: same graph, 4 steps) -----------------------------------------
def _flux_loaders(g: Any, unet: str, checkpoint: bool = False) -> tuple[Any, Any, Any]:
    """The split files (transformer, CLIP-L + T5-XXL, ae), or with `checkpoint` one all-in-one checkpoint
    (Comfy-Org's flux1-dev-fp8 / flux1-schnell-fp8: model, both encoders and the VAE in models/checkpoints)."""
    if checkpoint:
        name = _model(
            g,
            "checkpoint",
            "flux1-dev-fp8.safetensors",
            "All-in-one Flux.1 checkpoint (transformer, CLIP-L, T5-XXL, VAE) from models/checkpoints.",
            0,
        )
        ckpt = g.node("CheckpointLoaderSimple", ckpt_name=name[0])
        return Output(ckpt, 0), Output(ckpt, 1), Output(ckpt, 2)
    unet_name = _model(g, "unet", unet, "Flux.1 transformer from models/diffusion_models.", 0)
    clip_l = _model(g, "clip_l", "clip_l.safetensors", "CLIP-L text encoder from models/text_encoders.", 1)
    t5 = _model(g, "t5", "t5xxl_fp8_e4m3fn_scaled.safetensors", "T5-XXL text encoder from models/text_encoders.", 2)
    vae_name = _model(g, "vae", "ae.safetensors", "Flux VAE (ae) from models/vae.", 3)
    model = g.node("UNETLoader", unet_name=unet_name[0], weight_dtype="default")
    clip = g.node("DualCLIPLoader", clip_name1=clip_l[0], clip_name2=t5[0], type="flux", device="default")
    vae = g.node("VAELoader", vae_name=vae_name[0])
    return model, clip, vae


def _flux(g: Any, *, prompt: str, name: str, prefix: str, checkpoint: bool) -> None:
    p = _common(g, prompt=prompt, negative=None, steps=20, cfg=None, width=1216, height=832, guidance=3.5)
    model, clip, vae = _flux_loaders(g, "flux1-dev.safetensors", checkpoint)
    text = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip[0], _title="Positive prompt")
    guided = g.node("FluxGuidance", conditioning=text[0], guidance=p["guidance"][0])
    empty = g.node("ConditioningZeroOut", conditioning=text[0], _title="No negative (Flux)")
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = _sample(g, p, model[0], guided[0], empty[0], latent[0], sampler="euler", scheduler="simple", cfg=1.0)
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], name, prefix)
    files = "an all-in-one checkpoint" if checkpoint else "split files: transformer, CLIP-L, T5-XXL, ae"
    g.note(f"Flux.1 dev or schnell ({files}). Schnell: 4 steps; Flux has no negative prompt.")


def panel_flux(g: Any, checkpoint: bool = False) -> None:
    _flux(g, prompt=PANEL_PROMPT, name="panel", prefix="panel_flux", checkpoint=checkpoint)


def background_flux(g: Any, checkpoint: bool = False) -> None:
    _flux(g, prompt=BACKGROUND_PROMPT, name="background", prefix="background_flux", checkpoint=checkpoint)


def _reference(g: Any, order: int = 0, title: str = "reference_image", **fields: Any) -> Any:
    return g.param("InkframeImage", title, image="example.png", group="Reference", order=order, **fields)


def _reference_scale(g: Any) -> Any:
    return g.param(
        "InkframeFloat",
        "reference_megapixels",
        value=1.0,
        min=0.01,
        max=4.0,
        step=0.01,
        group="Reference",
        order=9,
        advanced=True,
        description="Size the reference is scaled to (aspect kept), in megapixels.",
    )


def panel_flux_kontext(g: Any) -> None:
    """flux_kontext_dev_basic: the reference's latent joins the prompt's conditioning (ReferenceLatent)."""
    p = _common(g, prompt=EDIT_PROMPT, negative=None, steps=20, cfg=None, width=1216, height=832, guidance=2.5)
    reference = _reference(g, description="The character's sheet or portrait: Kontext keeps who is drawn.")
    megapixels = _reference_scale(g)
    model, clip, vae = _flux_loaders(g, "flux1-dev-kontext_fp8_scaled.safetensors")
    scaled = g.node("ImageScaleToTotalPixels", image=reference[0], upscale_method="lanczos", megapixels=megapixels[0])
    encoded = g.node("VAEEncode", pixels=scaled[0], vae=vae[0])
    text = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip[0], _title="Positive prompt")
    referenced = g.node("ReferenceLatent", conditioning=text[0], latent=encoded[0])
    guided = g.node("FluxGuidance", conditioning=referenced[0], guidance=p["guidance"][0])
    empty = g.node("ConditioningZeroOut", conditioning=text[0], _title="No negative (Flux)")
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = _sample(g, p, model[0], guided[0], empty[0], latent[0], sampler="euler", scheduler="simple", cfg=1.0)
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], "panel", "panel_flux_kontext")
    g.note("Flux.1 Kontext dev reference editing: the prompt says what the referenced character does in this panel.")


# ---- Qwen-Image (image_qwen_image) and Qwen-Image-Edit-2509 (image_qwen_image_edit_2509) ---------------------------
def _qwen_loaders(g: Any, unet: str) -> tuple[Any, Any, Any]:
    unet_name = _model(g, "unet", unet, "Qwen-Image transformer from models/diffusion_models.", 0)
    te_name = _model(
        g,
        "text_encoder",
        "qwen_2.5_vl_7b_fp8_scaled.safetensors",
        "Qwen2.5-VL 7B text encoder from models/text_encoders.",
        1,
    )
    vae_name = _model(g, "vae", "qwen_image_vae.safetensors", "Qwen-Image VAE from models/vae.", 2)
    model = g.node("UNETLoader", unet_name=unet_name[0], weight_dtype="default")
    clip = g.node("CLIPLoader", clip_name=te_name[0], type="qwen_image", device="default")
    vae = g.node("VAELoader", vae_name=vae_name[0])
    return model, clip, vae


def _qwen(g: Any, *, prompt: str, negative: str, name: str, prefix: str) -> None:
    p = _common(g, prompt=prompt, negative=negative, steps=20, cfg=2.5, width=1328, height=928)
    model, clip, vae = _qwen_loaders(g, "qwen_image_fp8_e4m3fn.safetensors")
    shifted = g.node("ModelSamplingAuraFlow", model=model[0], shift=3.1)
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip[0], _title="Positive prompt")
    negative_cond = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip[0], _title="Negative prompt")
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = _sample(
        g, p, shifted[0], positive[0], negative_cond[0], latent[0], sampler="euler", scheduler="simple", cfg=p["cfg"][0]
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], name, prefix)


def panel_qwen(g: Any) -> None:
    _qwen(g, prompt=PANEL_PROMPT, negative=NEGATIVE, name="panel", prefix="panel_qwen")


def background_qwen(g: Any) -> None:
    _qwen(g, prompt=BACKGROUND_PROMPT, negative=BACKGROUND_NEGATIVE, name="background", prefix="background_qwen")


def panel_qwen_edit(g: Any) -> None:
    """image_qwen_image_edit_2509 with up to 3 references (TextEncodeQwenImageEditPlus)."""
    p = _common(g, prompt=EDIT_PROMPT, negative=NEGATIVE, steps=20, cfg=2.5, width=1328, height=928)
    first = _reference(g, description="The character's sheet or portrait: the edit keeps who is drawn.")
    second = _reference(
        g,
        1,
        "reference_image_2",
        label=EXTRA_REFERENCES[0],
        _mode=4,
        description="Optional second reference (ships bypassed; the app enables it when given).",
    )
    third = _reference(
        g,
        2,
        "reference_image_3",
        label=EXTRA_REFERENCES[1],
        _mode=4,
        description="Optional third reference (ships bypassed; the app enables it when given).",
    )
    megapixels = _reference_scale(g)
    model, clip, vae = _qwen_loaders(g, "qwen_image_edit_2509_fp8_e4m3fn.safetensors")
    shifted = g.node("ModelSamplingAuraFlow", model=model[0], shift=3.0)
    normed = g.node("CFGNorm", model=shifted[0], strength=1.0)
    scaled = g.node("ImageScaleToTotalPixels", image=first[0], upscale_method="lanczos", megapixels=megapixels[0])
    positive = g.node(
        "TextEncodeQwenImageEditPlus",
        clip=clip[0],
        prompt=p["prompt"][0],
        image1=scaled[0],
        image2=second[0],
        image3=third[0],
        _title="Positive prompt + references",
    )
    negative_cond = g.node(
        "TextEncodeQwenImageEditPlus", clip=clip[0], prompt=p["negative"][0], _title="Negative prompt"
    )
    encoded = g.node("VAEEncode", pixels=scaled[0], vae=vae[0])
    referenced = g.node("ReferenceLatent", conditioning=positive[0], latent=encoded[0])
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    samples = _sample(
        g,
        p,
        normed[0],
        referenced[0],
        negative_cond[0],
        latent[0],
        sampler="euler",
        scheduler="simple",
        cfg=p["cfg"][0],
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], "panel", "panel_qwen_edit")
    g.note("Qwen-Image-Edit-2509: up to 3 references; un-bypass reference 2 / 3 to use them.")


IMAGE_FAMILY_WORKFLOWS: dict[str, Callable[[Any], None]] = {
    "panel_sdxl": panel_sdxl,
    "background_sdxl": background_sdxl,
    "panel_flux": panel_flux,
    "background_flux": background_flux,
    "panel_flux_checkpoint": functools.partial(panel_flux, checkpoint=True),
    "background_flux_checkpoint": functools.partial(background_flux, checkpoint=True),
    "panel_flux_kontext": panel_flux_kontext,
    "panel_qwen": panel_qwen,
    "background_qwen": background_qwen,
    "panel_qwen_edit": panel_qwen_edit,
}
