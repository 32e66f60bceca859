"""Character sheets and img2img restyles of the modern families (SDXL eps / v-pred, Flux.1 dev / schnell,
Qwen-Image), for scripts/build_workflows.py; the SD1.5 ones are `character_sheet` and `img2img_restyle` there.

Each `character_sheet_*` has the SD1.5 sheet's contract: parameters `prompt` (the turnaround), `expressions_prompt`,
`negative_prompt` where the family takes one, `seed`, `steps`, `width` / `height` (the sheet's size, wide), and two
outputs, `Output: turnaround` and `Output: expressions`, so app/book/sheets.py crops them the same way.

- SDXL: the turnaround skeleton (`turnaround_pose`) through an SDXL OpenPose ControlNet (core ControlNetLoader +
  ControlNetApplyAdvanced). Those two nodes ship bypassed, with the ControlNet file as the `controlnet` model
  parameter; app/workflows/family_choice.py enables them when the backend lists an SDXL OpenPose ControlNet, and
  otherwise the sheet follows its prompt only (and says which file would pose it).
- Flux.1 and Qwen-Image: no ControlNet (the official ones are not core-node graphs, or not simple ones); these
  models lay out a "front view, side view, back view" sheet from the prompt at the sheet's wide aspect.

`*_flux_checkpoint` are the Flux ones loading an all-in-one checkpoint (CheckpointLoaderSimple) instead of the split
files, like panel_flux_checkpoint / background_flux_checkpoint in image_families.py.

`img2img_restyle_*` redraw a picture in the family (VAEEncode of the picture scaled to the panel size, sampled with
`restyle_strength` as the denoise), like SD1.5's `img2img_restyle`. For a character sheet from photos this is what
an artist expects: the photo's person, pose and framing kept and only the rendering moved into the book's style, on
every text-to-image family, with no second model. Reference editing (Kontext, Qwen-Image-Edit-2509) would repaint
the photo freely from an instruction; it needs its own model files and is already how panels keep a character
once the sheet exists (app/book/family_plan.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .image_families import NEGATIVE, STYLE, _common, _flux_loaders, _model, _qwen_loaders, _save

WHO = "a young inventor with goggles"
TURNAROUND = f"{STYLE}, character turnaround sheet of {WHO}, front view, side view, back view, full body, " + (
    "plain white background"
)
EXPRESSIONS = f"{STYLE}, expression sheet of {WHO}, happy, angry, surprised, sad, head and shoulders, white background"
RESTYLE = f"{STYLE}, same composition redrawn as a comic panel"
SDXL_OPENPOSE = "OpenPoseXL2.safetensors"  # thibaud/controlnet-openpose-sdxl-1.0
CONTROLNET_TITLES = ("SDXL OpenPose ControlNet (optional)", "Apply turnaround pose (optional)")
SHEET_SIZE = (1536, 768)  # ~1.2 MP, the sheet's 2:1 aspect


def _expressions(g: Any) -> Any:
    return g.param("InkframeMultilineText", "expressions_prompt", value=EXPRESSIONS, group="Prompt", order=2)


def _ksampler(g: Any, p: dict[str, Any], model: Any, positive: Any, negative: Any, latent: Any, **how: Any) -> Any:
    denoise = how.pop("denoise", 1.0)
    return g.node(
        "KSampler",
        model=model,
        seed=p["seed"][0],
        steps=p["steps"][0],
        positive=positive,
        negative=negative,
        latent_image=latent,
        denoise=denoise,
        **how,
    )


def restyle_input(g: Any, p: dict[str, Any], vae: Any) -> tuple[Any, Any]:
    """The picture to redraw, scaled to the panel size and encoded; and the `restyle_strength` parameter."""
    source = g.param("InkframeImage", "image", image="example.png", group="Input")
    strength = g.param(
        "InkframeFloat",
        "restyle_strength",
        value=0.6,
        min=0.05,
        max=1.0,
        step=0.05,
        group="Input",
        order=1,
        description="How far the result may move away from the source (the sampler's denoise).",
    )
    scaled = g.node(
        "ImageScale",
        image=source[0],
        upscale_method="lanczos",
        width=p["width"][0],
        height=p["height"][0],
        crop="center",
    )
    return g.node("VAEEncode", pixels=scaled[0], vae=vae)[0], strength


# ---- SDXL ---------------------------------------------------------------------------------------------------
def _sdxl_base(g: Any, p: dict[str, Any]) -> tuple[Any, Any, Any]:
    ckpt_name = _model(
        g,
        "checkpoint",
        "sd_xl_base_1.0.safetensors",
        "SDXL checkpoint from models/checkpoints (Illustrious, NoobAI, Pony, Animagine ...).",
        0,
    )
    ckpt = g.node("CheckpointLoaderSimple", ckpt_name=ckpt_name[0])
    vpred = g.node(
        "ModelSamplingDiscrete",
        model=ckpt[0],
        sampling="v_prediction",
        zsnr=True,
        _mode=4,
        _title="V-prediction (un-bypass for v-pred checkpoints)",
    )
    return vpred[0], ckpt[1], ckpt[2]


def character_sheet_sdxl(g: Any) -> None:
    p = _common(g, prompt=TURNAROUND, negative=NEGATIVE, steps=25, cfg=6.0, width=SHEET_SIZE[0], height=SHEET_SIZE[1])
    expressions = _expressions(g)
    pose = g.param(
        "InkframeImage",
        "turnaround_pose",
        image="example.png",
        group="Pose",
        description="Pose sheet with front, side and back skeletons (used when the ControlNet is enabled).",
    )
    strength = g.param(
        "InkframeFloat", "pose_strength", value=0.85, min=0.0, max=2.0, step=0.05, group="Pose", order=1, advanced=True
    )
    controlnet = _model(g, "controlnet", SDXL_OPENPOSE, "SDXL OpenPose ControlNet from models/controlnet.", 1)
    model, clip, vae = _sdxl_base(g, p)
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip, _title="Positive prompt")
    negative = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip, _title="Negative prompt")
    control = g.node("ControlNetLoader", control_net_name=controlnet[0], _mode=4, _title=CONTROLNET_TITLES[0])
    cond = g.node(
        "ControlNetApplyAdvanced",
        positive=positive[0],
        negative=negative[0],
        control_net=control[0],
        image=pose[0],
        strength=strength[0],
        start_percent=0.0,
        end_percent=1.0,
        _mode=4,
        _title=CONTROLNET_TITLES[1],
    )
    latent = g.node("EmptyLatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    how = {"cfg": p["cfg"][0], "sampler_name": "euler_ancestral", "scheduler": "normal"}
    sheet = _ksampler(g, p, model, cond[0], cond[1], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=sheet[0], vae=vae)[0], "turnaround", "character_turnaround_sdxl")
    faces = g.node("CLIPTextEncode", text=expressions[0], clip=clip, _title="Expressions prompt")
    faces_samples = _ksampler(g, p, model, faces[0], negative[0], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=faces_samples[0], vae=vae)[0], "expressions", "character_expressions_sdxl")
    g.note(
        "SDXL character sheet: un-bypass the ControlNet pair (Ctrl+B) to pose the turnaround with an SDXL OpenPose "
        "ControlNet; the V-prediction node is for v-pred checkpoints."
    )


def img2img_restyle_sdxl(g: Any) -> None:
    p = _common(g, prompt=RESTYLE, negative=NEGATIVE, steps=25, cfg=6.0, width=1024, height=1024)
    model, clip, vae = _sdxl_base(g, p)
    latent, strength = restyle_input(g, p, vae)
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip, _title="Positive prompt")
    negative = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip, _title="Negative prompt")
    samples = _ksampler(
        g,
        p,
        model,
        positive[0],
        negative[0],
        latent,
        cfg=p["cfg"][0],
        sampler_name="euler_ancestral",
        scheduler="normal",
        denoise=strength[0],
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae)[0], "restyled", "restyle_sdxl")


# ---- Flux.1 (dev / schnell: the family's defaults set the steps) --------------------------------------------------
def _flux_text(g: Any, p: dict[str, Any], clip: Any, text: Any, title: str) -> tuple[Any, Any]:
    encoded = g.node("CLIPTextEncode", text=text, clip=clip, _title=title)
    return g.node("FluxGuidance", conditioning=encoded[0], guidance=p["guidance"][0])[0], encoded[0]


def character_sheet_flux(g: Any, checkpoint: bool = False) -> None:
    p = _common(
        g,
        prompt=TURNAROUND,
        negative=None,
        steps=20,
        cfg=None,
        width=SHEET_SIZE[0],
        height=SHEET_SIZE[1],
        guidance=3.5,
    )
    expressions = _expressions(g)
    model, clip, vae = _flux_loaders(g, "flux1-dev.safetensors", checkpoint)
    sheet_cond, encoded = _flux_text(g, p, clip[0], p["prompt"][0], "Positive prompt")
    faces_cond, _ = _flux_text(g, p, clip[0], expressions[0], "Expressions prompt")
    empty = g.node("ConditioningZeroOut", conditioning=encoded, _title="No negative (Flux)")
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    how = {"cfg": 1.0, "sampler_name": "euler", "scheduler": "simple"}
    sheet = _ksampler(g, p, model[0], sheet_cond, empty[0], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=sheet[0], vae=vae[0])[0], "turnaround", "character_turnaround_flux")
    faces = _ksampler(g, p, model[0], faces_cond, empty[0], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=faces[0], vae=vae[0])[0], "expressions", "character_expressions_flux")
    g.note("Flux.1 character sheet: the turnaround comes from the prompt at the sheet's wide aspect (no ControlNet).")


def img2img_restyle_flux(g: Any, checkpoint: bool = False) -> None:
    p = _common(g, prompt=RESTYLE, negative=None, steps=20, cfg=None, width=1024, height=1024, guidance=3.5)
    model, clip, vae = _flux_loaders(g, "flux1-dev.safetensors", checkpoint)
    latent, strength = restyle_input(g, p, vae[0])
    positive, encoded = _flux_text(g, p, clip[0], p["prompt"][0], "Positive prompt")
    empty = g.node("ConditioningZeroOut", conditioning=encoded, _title="No negative (Flux)")
    samples = _ksampler(
        g,
        p,
        model[0],
        positive,
        empty[0],
        latent,
        cfg=1.0,
        sampler_name="euler",
        scheduler="simple",
        denoise=strength[0],
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], "restyled", "restyle_flux")


# ---- Qwen-Image ---------------------------------------------------------------------------------------------------
def character_sheet_qwen(g: Any) -> None:
    # cfg 3, not Qwen-Image's usual 2.5: one Cfg primitive feeds both samplers here, and ComfyUI's frontend rounds a
    # primitive shared by two cfg widgets to a whole number (measured: 2.5 is queued as 3 from the editor)
    p = _common(g, prompt=TURNAROUND, negative=NEGATIVE, steps=20, cfg=3.0, width=SHEET_SIZE[0], height=SHEET_SIZE[1])
    expressions = _expressions(g)
    model, clip, vae = _qwen_loaders(g, "qwen_image_fp8_e4m3fn.safetensors")
    shifted = g.node("ModelSamplingAuraFlow", model=model[0], shift=3.1)
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip[0], _title="Positive prompt")
    negative = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip[0], _title="Negative prompt")
    faces = g.node("CLIPTextEncode", text=expressions[0], clip=clip[0], _title="Expressions prompt")
    latent = g.node("EmptySD3LatentImage", width=p["width"][0], height=p["height"][0], batch_size=1)
    how = {"cfg": p["cfg"][0], "sampler_name": "euler", "scheduler": "simple"}
    sheet = _ksampler(g, p, shifted[0], positive[0], negative[0], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=sheet[0], vae=vae[0])[0], "turnaround", "character_turnaround_qwen")
    faces_samples = _ksampler(g, p, shifted[0], faces[0], negative[0], latent[0], **how)
    _save(g, g.node("VAEDecode", samples=faces_samples[0], vae=vae[0])[0], "expressions", "character_expressions_qwen")
    g.note("Qwen-Image character sheet: the turnaround comes from the prompt at the sheet's wide aspect.")


def img2img_restyle_qwen(g: Any) -> None:
    p = _common(g, prompt=RESTYLE, negative=NEGATIVE, steps=20, cfg=2.5, width=1024, height=1024)
    model, clip, vae = _qwen_loaders(g, "qwen_image_fp8_e4m3fn.safetensors")
    shifted = g.node("ModelSamplingAuraFlow", model=model[0], shift=3.1)
    latent, strength = restyle_input(g, p, vae[0])
    positive = g.node("CLIPTextEncode", text=p["prompt"][0], clip=clip[0], _title="Positive prompt")
    negative = g.node("CLIPTextEncode", text=p["negative"][0], clip=clip[0], _title="Negative prompt")
    samples = _ksampler(
        g,
        p,
        shifted[0],
        positive[0],
        negative[0],
        latent,
        cfg=p["cfg"][0],
        sampler_name="euler",
        scheduler="simple",
        denoise=strength[0],
    )
    _save(g, g.node("VAEDecode", samples=samples[0], vae=vae[0])[0], "restyled", "restyle_qwen")


SHEET_FAMILY_WORKFLOWS: dict[str, Callable[[Any], None]] = {
    "character_sheet_sdxl": character_sheet_sdxl,
    "img2img_restyle_sdxl": img2img_restyle_sdxl,
    "character_sheet_flux": character_sheet_flux,
    "img2img_restyle_flux": img2img_restyle_flux,
    "character_sheet_flux_checkpoint": functools.partial(character_sheet_flux, checkpoint=True),
    "img2img_restyle_flux_checkpoint": functools.partial(img2img_restyle_flux, checkpoint=True),
    "character_sheet_qwen": character_sheet_qwen,
    "img2img_restyle_qwen": img2img_restyle_qwen,
}
